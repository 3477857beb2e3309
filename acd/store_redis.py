"""The Redis store: several CTI nodes share one Redis.

Decisions and state changes are Lua scripts (``acd/lua/*.lua``, each prefixed with
``common.lua``), so each is one atomic step in Redis: :meth:`RedisStore.reserve_for_call` and
:meth:`RedisStore.reserve_for_agent` choose *and* reserve ("this call → this agent") in the same
script; :meth:`RedisStore.commit` checks every expected version before writing anything.  Two
nodes can therefore never give one agent two calls.

Everything lives under one key prefix, so the state survives a CTI restart and several
deployments (or tests) can share a server:

* ``P:agent:<id>`` hash — ``profile`` (JSON), ``keys`` / ``qkeys`` (its index keys, JSON), ``level``,
  and the status fields ``state since version entry reason pending idle deadline node``
* ``P:call:<id>`` hash — ``entry`` (JSON), ``phase version score since step agent deadline``, and
  its index keys ``key`` (queue set while waiting), ``line`` (skill line), ``level``, ``cand``
* ``P:agents``, ``P:calls`` sets; ``P:deadlines`` zset (``a:<agent>`` / ``c:<call>`` → time)
* ``P:node:<node>`` — presence, a key with a TTL refreshed by the node's heartbeat; ``P:nodes`` and
  ``P:nodeagents:<node>`` sets say which agents a node logged in
* the index sets of :mod:`acd.indexes` as ``P:<index key>`` zsets
* the wallboards' counters (``acd/lua/tally.lua``): ``P:tally:day:<day>`` hashes (expiring two
  days after their last count), ``P:tally:handle:<group>``
  lists, ``P:tally:groups`` set, ``P:tally:seen:<event>`` keys (each event is counted once)

The scripts compute the keys they touch from the prefix and the records (so they suit a
single Redis server or a primary/replica pair, not Redis Cluster).  Each runs at most once per
call of the store even when retried across a failover (``P:op:<id>``, see
:mod:`acd.redis_link`), and with ``wait_replicas`` returns only once that many replicas hold it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import redis.asyncio as aioredis
import structlog
from redis.exceptions import ConnectionError, NoScriptError, ReadOnlyError, RedisError, TimeoutError

from acd.agent_state import AgentStatus
from acd.audit import audit
from acd.codec import (
    agent_from_json,
    agent_to_json,
    entry_from_json,
    entry_to_json,
    num,
    status_fields,
    status_from_fields,
)
from acd.errors import AgentNotLoggedOut, StoreUnavailable
from acd.indexes import agent_keys, agent_queue_keys, call_candidate_keys, call_key, free_key, skill_queue_key
from acd.model import Agent, AgentLevel
from acd.priority import HEAD_EPSILON_S
from acd.redis_link import connect_redis, once_only
from acd.routing import ChoicePolicy
from acd.settings import RedisSettings
from acd.stats import TALLY_SEEN_S, Tally, TallyStep
from acd.store import CallDelete, CallPhase, CallPut, Change, Due, Offer, QueuedCall

__all__ = ["RedisStore"]

log = structlog.get_logger(__name__)

_LUA = Path(__file__).with_name("lua")
_SCRIPTS = ("put_agent", "remove_agent", "commit", "reserve_call", "reserve_agent", "forget_node", "tally")
TALLY_DAY_KEPT_S = 2 * 86_400  # a day's counters are kept this long after its last count
T = TypeVar("T")


class RedisStore:
    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str,
        *,
        wait_replicas: int = 0,
        wait_timeout_ms: int = 1000,
        failover_s: float = 0.0,
    ) -> None:
        """``client`` must decode responses (``decode_responses=True``)."""
        self._r = client
        self._p = prefix
        self._wait_replicas = wait_replicas
        self._wait_timeout_ms = wait_timeout_ms
        self._failover_s = failover_s
        common = (_LUA / "common.lua").read_text(encoding="utf-8")
        self._scripts = {
            name: client.register_script(
                once_only(common, (_LUA / f"{name}.lua").read_text(encoding="utf-8"))
            )
            for name in _SCRIPTS
        }

    @classmethod
    async def connect(cls, url: str, prefix: str) -> RedisStore:
        return await cls.open(RedisSettings(url=url, failover_s=0.0), prefix)

    @classmethod
    async def open(cls, settings: RedisSettings, prefix: str) -> RedisStore:
        """A store on the server (or the Sentinel-managed primary) of ``settings``."""
        client = connect_redis(settings)
        store = cls(
            client,
            prefix,
            wait_replicas=settings.wait_replicas,
            wait_timeout_ms=settings.wait_timeout_ms,
            failover_s=settings.failover_s,
        )
        async with store._errors("connect"):
            await client.ping()
        return store

    @property
    def prefix(self) -> str:
        return self._p

    # -- agents ---------------------------------------------------------------------------
    async def put_agent(self, agent: Agent, now: float) -> None:
        await self._script(
            "put_agent",
            agent.id,
            agent_to_json(agent),
            json.dumps([self._ix(k) for k in agent_keys(agent)]),
            json.dumps([[int(lv), self._ix(k)] for lv, k in agent_queue_keys(agent)]),
            str(int(agent.level)),
            num(now),
        )

    async def remove_agent(self, agent_id: str) -> bool:
        result = int(await self._script("remove_agent", agent_id))
        if result < 0:
            raise AgentNotLoggedOut(agent_id)
        return result == 1

    async def agent(self, agent_id: str) -> Agent | None:
        async with self._errors("agent"):
            text = await self._r.hget(self._k("agent", agent_id), "profile")
        return None if text is None else agent_from_json(str(text))

    async def agents(self) -> list[Agent]:
        ids = await self._members("agents")
        async with self._errors("agents"), self._r.pipeline(transaction=False) as pipe:
            for agent_id in ids:
                pipe.hget(self._k("agent", agent_id), "profile")
            texts = await pipe.execute()
        return [agent_from_json(t) for t in texts if t]

    async def status(self, agent_id: str) -> AgentStatus | None:
        fields = (await self._hashes("agent", [agent_id]))[0]
        return status_from_fields(fields) if fields else None

    async def statuses(self) -> dict[str, AgentStatus]:
        ids = await self._members("agents")
        rows = await self._hashes("agent", ids)
        return {agent_id: status_from_fields(f) for agent_id, f in zip(ids, rows, strict=True) if f}

    async def free_agents(self, level: AgentLevel, most: int) -> list[str]:
        if most < 1:
            return []
        async with self._errors("free agents"):
            found = await self._r.zrange(self._ix(free_key(level)), 0, most - 1)
        return [str(agent_id) for agent_id in found]

    # -- calls ----------------------------------------------------------------------------
    async def call(self, entry_id: str) -> QueuedCall | None:
        fields = (await self._hashes("call", [entry_id]))[0]
        return _call_from_fields(fields) if fields else None

    async def calls(self) -> list[QueuedCall]:
        ids = await self._members("calls")
        rows = await self._hashes("call", ids)
        found = [_call_from_fields(f) for f in rows if f]
        return sorted(found, key=lambda c: (c.score, c.entry_id))

    async def position(self, entry_id: str) -> int | None:
        async with self._errors("position"):
            phase, line = await self._r.hmget(self._k("call", entry_id), ["phase", "line"])
            if phase != CallPhase.WAITING.value or not isinstance(line, str):
                return None
            rank: Any = await self._r.zrank(line, entry_id)
        return None if rank is None else int(rank)

    # -- atomic steps ---------------------------------------------------------------------
    async def commit(self, change: Change) -> bool:
        payload = {
            "agents": [
                {"id": w.agent_id, "expect": w.expected_version, "status": status_fields(w.status)}
                for w in change.agents
            ],
            "calls": [self._call_json(c) for c in change.calls],
        }
        result = await self._script("commit", json.dumps(payload, ensure_ascii=False))
        return bool(result)

    async def reserve_for_call(
        self, entry_id: str, now: float, ring_timeout_s: float, policy: ChoicePolicy
    ) -> Offer | None:
        return await self._reserve("reserve_call", entry_id, now, ring_timeout_s, policy)

    async def reserve_for_agent(
        self, agent_id: str, now: float, ring_timeout_s: float, policy: ChoicePolicy
    ) -> Offer | None:
        return await self._reserve("reserve_agent", agent_id, now, ring_timeout_s, policy)

    # -- timers ---------------------------------------------------------------------------
    async def due(self, now: float, limit: int = 100) -> list[Due]:
        async with self._errors("due"):
            rows = await self._r.zrangebyscore(
                self._k("deadlines"), "-inf", num(now), 0, limit, withscores=True
            )
        out: list[Due] = []
        for name, at in _scored(rows):
            kind: Literal["agent", "call"] = "agent" if name[0] == "a" else "call"
            out.append(Due(kind, name[2:], float(at)))
        return out

    async def next_due(self) -> float | None:
        async with self._errors("next_due"):
            rows = _scored(await self._r.zrange(self._k("deadlines"), 0, 0, withscores=True))
        return rows[0][1] if rows else None

    # -- presence -------------------------------------------------------------------------
    async def heartbeat(self, node: str, ttl_s: float, now: float) -> None:
        async with self._errors("heartbeat"), self._r.pipeline(transaction=True) as pipe:
            pipe.set(self._k("node", node), num(now), px=max(1, round(ttl_s * 1000)))
            pipe.sadd(self._k("nodes"), node)
            await pipe.execute()

    async def dead_nodes(self, now: float) -> list[str]:
        nodes = sorted(await self._members("nodes"))
        async with self._errors("dead_nodes"), self._r.pipeline(transaction=False) as pipe:
            for node in nodes:
                pipe.exists(self._k("node", node))
                pipe.scard(self._k("nodeagents", node))
            answers = await pipe.execute()
        return [n for i, n in enumerate(nodes) if not answers[2 * i] and answers[2 * i + 1]]

    async def node_agents(self, node: str) -> list[str]:
        return sorted(await self._members("nodeagents", node))

    async def forget_node(self, node: str) -> None:
        async with self._errors("forget_node"):
            alive = await self._r.exists(self._k("node", node))
        if not alive:
            await self._script("forget_node", node)

    # -- the wallboards' counters --------------------------------------------------------
    async def add_tally(self, step: TallyStep, samples: int) -> bool:
        added = await self._script(
            "tally",
            step.key,
            json.dumps(list(step.groups)),
            json.dumps(dict(step.counts)),
            "" if step.handle_s is None else num(step.handle_s),
            str(samples),
            str(TALLY_SEEN_S),
            step.day,
            str(TALLY_DAY_KEPT_S),
        )
        return bool(added)

    async def tally(self, day: str = "") -> Tally:
        groups = await self._members("tally", "groups")
        async with self._errors("tally"), self._r.pipeline(transaction=True) as pipe:
            pipe.hgetall(self._k("tally", "day", day))
            for group in groups:
                pipe.lrange(self._k("tally", "handle", group), 0, -1)
            flat, *samples = await pipe.execute()
        counts: dict[str, dict[str, float]] = {}
        for field_name, value in cast(dict[str, str], flat).items():
            group, _, counter = field_name.rpartition("|")
            counts.setdefault(group, {})[counter] = float(value)
        handle = {g: tuple(float(x) for x in rows) for g, rows in zip(groups, samples, strict=True) if rows}
        return Tally(counts, handle)

    # -- upkeep ---------------------------------------------------------------------------
    async def audit(self, now: float) -> list[str]:
        agents = {a.id: a for a in await self.agents()}
        statuses = await self.statuses()
        calls = {c.entry_id: c for c in await self.calls()}
        indexes: dict[str, dict[str, float]] = {}
        async with self._errors("audit"):
            for pattern in ("ia:*", "iq:*", "qs:*", "free:*"):
                async for key in self._r.scan_iter(match=self._ix(pattern), count=500):
                    rows = _scored(await self._r.zrange(key, 0, -1, withscores=True))
                    indexes[str(key)[len(self._p) + 1 :]] = dict(rows)
            deadlines = dict(_scored(await self._r.zrange(self._k("deadlines"), 0, -1, withscores=True)))
        nodes = {s.node for s in statuses.values() if s.node}
        async with self._errors("audit"):
            dead = [n for n in nodes if not await self._r.exists(self._k("node", n))]
        return audit(agents, statuses, calls, indexes, deadlines, dead)

    async def delete_everything(self) -> int:
        """Remove every key under the prefix (tests, and resetting a demo); returns how many."""
        removed = 0
        async with self._errors("delete_everything"):
            batch: list[str] = []
            async for key in self._r.scan_iter(match=f"{self._p}:*", count=1000):
                batch.append(key)
                if len(batch) >= 500:
                    removed += int(await self._r.delete(*batch))
                    batch.clear()
            if batch:
                removed += int(await self._r.delete(*batch))
        return removed

    async def close(self) -> None:
        await self._r.aclose()

    # -- inside ---------------------------------------------------------------------------
    def _k(self, *parts: str) -> str:
        return ":".join((self._p, *parts))

    def _ix(self, index_key: str) -> str:
        return f"{self._p}:{index_key}"

    @asynccontextmanager
    async def _errors(self, what: str) -> AsyncIterator[None]:
        try:
            yield
        except RedisError as exc:
            raise StoreUnavailable(f"redis {what}: {exc}") from exc

    async def _script(self, name: str, *args: str) -> Any:
        """Run a script once (its operation id is the same for every retry), then WAIT."""
        script = cast(Callable[..., Awaitable[Any]], self._scripts[name])
        argv = [self._p, *args, secrets.token_hex(12)]
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self._failover_s
        while True:
            try:
                async with self._r.pipeline(transaction=False) as pipe:
                    await script(keys=[], args=argv, client=pipe)
                    if self._wait_replicas:
                        pipe.wait(self._wait_replicas, self._wait_timeout_ms)
                    replies = await pipe.execute()
            except (ConnectionError, TimeoutError, ReadOnlyError, NoScriptError) as exc:
                if loop.time() >= give_up:
                    raise StoreUnavailable(f"redis {name}: {exc}") from exc
                await asyncio.sleep(0.1)  # the client retried already: a failover under way
                continue
            except RedisError as exc:
                raise StoreUnavailable(f"redis {name}: {exc}") from exc
            if self._wait_replicas and int(replies[1]) < self._wait_replicas:
                log.warning("acd step not yet on replicas", script=name, replicas=int(replies[1]))
            return replies[0]

    async def _members(self, *parts: str) -> list[str]:
        async with self._errors("smembers"):
            found = await cast(Awaitable[set[str]], self._r.smembers(self._k(*parts)))
        return sorted(found)

    async def _hashes(self, kind: str, ids: Sequence[str]) -> list[dict[str, str]]:
        async with self._errors("hgetall"), self._r.pipeline(transaction=False) as pipe:
            for i in ids:
                pipe.hgetall(self._k(kind, i))
            return cast(list[dict[str, str]], await pipe.execute())

    def _call_json(self, c: CallPut | CallDelete) -> dict[str, Any]:
        if isinstance(c, CallDelete):
            return {"op": "del", "id": c.entry_id, "expect": c.expected_version}
        step = c.step
        return {
            "op": "put",
            "id": c.entry.entry_id,
            "expect": c.expected_version,
            "entry": entry_to_json(c.entry),
            "phase": c.phase.value,
            "score": c.score,
            "since": c.since,
            "step": step.index if step else 0,
            "agent": c.agent_id,
            "deadline": step.next_at if step else None,
            "key": self._ix(call_key(step.eligibility)) if step else "",
            "line": self._ix(skill_queue_key(c.entry.requirement.skill)),
            "level": int(step.eligibility.min_level) if step else int(AgentLevel.JUNIOR),
            "cand": json.dumps(
                [[int(lv), self._ix(k)] for lv, k in call_candidate_keys(step.eligibility)] if step else []
            ),
            "at_head": c.at_head,
            "epsilon": HEAD_EPSILON_S,
        }

    async def _reserve(
        self, script: str, target: str, now: float, ring_timeout_s: float, policy: ChoicePolicy
    ) -> Offer | None:
        keep_free = json.dumps({str(int(lv)): n for lv, n in policy.keep_free.items()})
        conserve = "1" if policy.conserve_higher_levels else "0"
        row = await self._script(script, target, num(now), num(ring_timeout_s), conserve, keep_free)
        if not row:
            return None
        entry, version, score, since, step, profile, *status = row
        agent = agent_from_json(profile)
        names = ("state", "since", "version", "entry", "reason", "pending", "idle", "deadline", "node")
        reserved = status_from_fields(dict(zip(names, status, strict=True)))
        queued = QueuedCall(
            entry_from_json(entry),
            CallPhase.OFFERED,
            int(version),
            float(score),
            float(since),
            step=int(step or 0),
            agent_id=agent.id,
        )
        return Offer(queued, agent, reserved)


def _scored(rows: Any) -> list[tuple[str, float]]:
    """``(member, score)`` pairs from a ZRANGE ... WITHSCORES reply."""
    return [(str(member), float(score)) for member, score in rows]


def _call_from_fields(f: dict[str, str]) -> QueuedCall:
    return QueuedCall(
        entry=entry_from_json(f["entry"]),
        phase=CallPhase(f["phase"]),
        version=int(f["version"]),
        score=float(f["score"]),
        since=float(f["since"]),
        step=int(f.get("step") or 0),
        agent_id=f.get("agent") or None,
        deadline=float(f["deadline"]) if f.get("deadline") else None,
    )
