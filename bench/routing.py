"""``hotline bench routing``: routing decisions per second and their latency, for both stores.

A centre of 1,000 agents (70 % junior, 25 % senior, 5 % manager; 2–4 of 20 skills; 14
prefectures; some English speakers) with 5,000 calls waiting (all segments, some language and
level requirements, spread over ten minutes of waiting so every overflow step is in use).  Agents
start paused, so the calls wait.  Each round then takes two decisions, both timed:

* **agent-driven** — a paused agent becomes available and the store picks the best waiting call
  it may take (``reserve_for_agent``): the usual decision in a busy centre;
* **call-driven** — a new call arrives (keeping 5,000 waiting) and the store picks the best
  available agent for it (``reserve_for_call``).

Only the decision is timed (the atomic choose-and-reserve: one Lua script in Redis); putting the
agent back on pause and replacing the served call are not.  ``decisions_per_s`` is decisions
divided by the time spent deciding, one decision at a time.

Why the cost does not grow with the number of agents or calls: a decision reads only the heads
of the index sets of :mod:`acd.indexes` whose members are *all* eligible — at most 3 for a call
(one per admitted level), skills × (languages + 1) × levels × 2 for an agent — each head an
O(log n) read.  No agent or call is examined and rejected.

The floor, on Redis, in the same run: after each timed decision one bare Lua claim is timed on
a sorted set of as many members as calls wait -- ZRANGE the head, ZREM it, HSET it to an agent
-- through the same client library; ``floor_p50_ms`` / ``floor_p99_ms`` are its latencies and
``p99_ratio`` the decision p99 over the floor's.  It is the least any atomic choose-and-reserve
costs: one script call and its round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis import asyncio as aioredis

from acd.agent_state import AgentEvent, AgentState, Timings, transition
from acd.errors import StoreUnavailable
from acd.model import Agent, AgentLevel, Segment, Skill, SkillRequirement, WaitingCall
from acd.overflow import RoutingConfig, load_routing
from acd.store import AcdStore, AgentWrite, CallDelete, CallPhase, CallPut, Change, Offer
from acd.store_memory import MemoryStore
from acd.store_redis import RedisStore

__all__ = ["Centre", "main", "run"]

NODE = "bench"
TIMINGS = Timings(ring_timeout_s=15.0, wrapup_s=0.0)
PREFECTURES = [f"pref{i:02d}" for i in range(14)]


@dataclass(frozen=True, slots=True)
class Centre:
    agents: int = 1000
    skills: int = 20
    waiting: int = 5000
    rounds: int = 2500  # two decisions each
    seed: int = 1


async def run(
    centre: Centre = Centre(),
    redis_url: str = "redis://127.0.0.1:6379/0",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark on the memory store and on Redis; one result object per store."""
    say = progress or (lambda text: print(text, file=sys.stderr, flush=True))
    results: dict[str, Any] = {}
    say(f"routing bench: {centre.agents} agents, {centre.skills} skills, {centre.waiting} waiting calls")
    say("memory store ...")
    results["memory"] = await _bench(MemoryStore(), centre, say)
    say("redis store ...")
    try:
        store = await RedisStore.connect(redis_url, f"bench-routing-{secrets.token_hex(4)}")
    except StoreUnavailable as exc:
        say(f"redis unavailable: {exc}")
        results["redis"] = {"error": str(exc)}
        return results
    floor = LuaClaim(aioredis.Redis.from_url(redis_url, decode_responses=True), f"{store.prefix}:floor")
    try:
        await floor.fill(centre.waiting)
        results["redis"] = await _bench(store, centre, say, floor)
    finally:
        await floor.close()
        await store.delete_everything()
        await store.close()
    return results


_CLAIM = """
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if head[1] == nil then return nil end
redis.call('ZREM', KEYS[1], head[1])
redis.call('HSET', KEYS[2], head[1], ARGV[1])
return head[1]
"""


class LuaClaim:
    """The floor: the bare atomic claim of the head of a sorted set, one script round trip."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._r = client
        self._keys = [f"{prefix}:waiting", f"{prefix}:claims"]
        self._script = client.register_script(_CLAIM)
        self._n = 0
        self.latencies: list[float] = []

    async def fill(self, members: int) -> None:
        await self._r.delete(*self._keys)
        for start in range(0, members, 1000):
            await self._r.zadd(self._keys[0], {f"c{i}": i for i in range(start, min(members, start + 1000))})
        self._n = members

    async def claim(self) -> None:
        """Time one claim; the claimed member comes back at the tail (untimed)."""
        t0 = time.perf_counter()
        member = await self._script(keys=self._keys, args=["agent"])
        self.latencies.append(time.perf_counter() - t0)
        if member is None:
            raise RuntimeError("bench floor: the sorted set is empty")
        await self._r.zadd(self._keys[0], {member: self._n})
        self._n += 1

    async def close(self) -> None:
        await self._r.delete(*self._keys)
        await self._r.aclose()


async def _bench(
    store: AcdStore, centre: Centre, say: Callable[[str], None], floor: LuaClaim | None = None
) -> dict[str, Any]:
    rng = random.Random(centre.seed)
    routing = load_routing()
    now = time.time()
    await store.heartbeat(NODE, 3600.0, now)
    skills = [f"skill{i:02d}" for i in range(centre.skills)]
    agents = [_agent(i, rng, skills) for i in range(centre.agents)]
    for a in agents:
        await store.put_agent(a, now)
        await _move(store, a.id, AgentEvent.LOGIN, now)
        await _move(store, a.id, AgentEvent.PAUSE, now)
    say(f"  {len(agents)} agents logged in (paused)")
    for i in range(centre.waiting):
        await _enqueue(store, routing, _call(f"w{i}", rng, skills, now), now)
    say(f"  {centre.waiting} calls waiting")

    latencies: list[float] = []
    offers = 0
    paused = [a.id for a in agents]
    for n in range(centre.rounds):
        # an agent comes back from pause: the best call for them
        agent_id = paused.pop(rng.randrange(len(paused)))
        await _move(store, agent_id, AgentEvent.UNPAUSE, now)
        t0 = time.perf_counter()
        offer = await store.reserve_for_agent(agent_id, now, TIMINGS.ring_timeout_s, routing.choice)
        latencies.append(time.perf_counter() - t0)
        if floor is not None:
            await floor.claim()
        if offer is not None:
            offers += 1
            paused.append(await _serve(store, offer, now))
        # a new call arrives: the best available agent for it
        call = _call(f"n{n}", rng, skills, now)
        await _enqueue(store, routing, call, now)
        t0 = time.perf_counter()
        offer = await store.reserve_for_call(call.uniqueid, now, TIMINGS.ring_timeout_s, routing.choice)
        latencies.append(time.perf_counter() - t0)
        if floor is not None:
            await floor.claim()
        if offer is not None:
            offers += 1
            paused.append(await _serve(store, offer, now))
        if (n + 1) % 500 == 0:
            say(f"  {2 * (n + 1)} decisions, {offers} offers")
        if not paused:
            paused = [a for a, s in (await store.statuses()).items() if s.state is AgentState.PAUSED]
    latencies.sort()
    spent = sum(latencies)
    result = {
        "decisions_per_s": round(len(latencies) / spent, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 4),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 4),
        "decisions": len(latencies),
        "offers": offers,
        "agents": centre.agents,
        "skills": centre.skills,
        "waiting_calls": centre.waiting,
    }
    if floor is not None:
        claims = sorted(floor.latencies)
        result["floor_p50_ms"] = round(_percentile(claims, 0.50) * 1000, 4)
        result["floor_p99_ms"] = round(_percentile(claims, 0.99) * 1000, 4)
        result["p99_ratio"] = round(result["p99_ms"] / result["floor_p99_ms"], 2)
    say(f"  {result}")
    return result


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _agent(i: int, rng: random.Random, skills: list[str]) -> Agent:
    level = rng.choices(list(AgentLevel), weights=[70, 25, 5])[0]
    languages = ("zh", "en") if rng.random() < 0.2 else ("zh",)
    return Agent(
        f"a{i:04d}",
        extension=str(8000 + i),
        prefecture=rng.choice(PREFECTURES),
        level=level,
        skills=tuple(Skill(s, rng.randint(1, 5)) for s in rng.sample(skills, rng.randint(2, 4))),
        languages=languages,
    )


def _call(uid: str, rng: random.Random, skills: list[str], now: float) -> WaitingCall:
    segment = rng.choices(list(Segment), weights=[80, 15, 5])[0]
    level = rng.choices(list(AgentLevel), weights=[90, 8, 2])[0]
    language = rng.choices([None, "zh", "en"], weights=[90, 7, 3])[0]
    requirement = SkillRequirement(rng.choice(skills), level, language)
    return WaitingCall(uid, requirement, segment, rng.choice(PREFECTURES), now - rng.uniform(0, 600))


async def _enqueue(store: AcdStore, routing: RoutingConfig, call: WaitingCall, now: float) -> None:
    rule = routing.rule_for(call.segment, call.requirement)
    call = WaitingCall(
        call.uniqueid, call.requirement, call.segment, call.prefecture, call.enqueued_at, rule.name
    )
    score = routing.priority.score(call.segment, call.enqueued_at)
    put = CallPut(call, CallPhase.WAITING, None, score, now, rule.state_at(call, now))
    if not await store.commit(Change(calls=(put,))):
        raise RuntimeError(f"bench: could not enqueue {call.uniqueid}")


async def _move(store: AcdStore, agent_id: str, event: AgentEvent, now: float) -> None:
    status = await store.status(agent_id)
    assert status is not None
    new = transition(agent_id, status, event, now, TIMINGS, reason="bench", node=NODE)
    if not await store.commit(Change((AgentWrite(agent_id, status.version, new),))):
        raise RuntimeError(f"bench: could not move {agent_id}")


async def _serve(store: AcdStore, offer: Offer, now: float) -> str:
    """The offered call is taken away and the agent paused again (untimed)."""
    agent_id = offer.agent.id
    paused = transition(
        agent_id, offer.status, AgentEvent.NO_ANSWER, now, TIMINGS, entry_id=offer.call.entry_id
    )
    change = Change(
        (AgentWrite(agent_id, offer.status.version, paused),),
        (CallDelete(offer.call.entry_id, offer.call.version),),
    )
    if not await store.commit(change):
        raise RuntimeError(f"bench: could not release {agent_id}")
    return agent_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.routing", description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    default = Centre()
    parser.add_argument("--agents", type=int, default=default.agents)
    parser.add_argument("--waiting", type=int, default=default.waiting)
    parser.add_argument("--rounds", type=int, default=default.rounds)
    args = parser.parse_args(argv)
    centre = Centre(agents=args.agents, waiting=args.waiting, rounds=args.rounds)
    results = asyncio.run(run(centre, args.redis_url))
    text = json.dumps(results, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
