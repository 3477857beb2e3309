"""The ACD on Redis Sentinel: a primary, a replica and a Sentinel started here, the primary killed
(SIGKILL) mid-traffic.  Two services (two nodes) route 300 calls to 12 agents through the
Sentinel-managed client, with ``wait_replicas = 1``; a phone system fake answers each offer on
one node and hangs up on either.  Afterwards: every call was answered exactly once (none lost,
none twice), no agent's phone was offered a call while it had one, each agent's states are one
chain of versions, the store is consistent and empty, the wallboards' tally counts every answer
once.  Also checked on the plain Redis: a script retried with the same operation id (its reply
lost) returns the same reply and changes nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis

from acd.agent_state import AgentState
from acd.errors import AcdError
from acd.events import AcdEvent, CallAnswered
from acd.model import Agent, CallbackRequest, SkillRequirement, WaitingCall, WaitingEntry
from acd.overflow import load_routing
from acd.redis_link import once_only
from acd.service import AcdService
from acd.settings import AcdSettings, RedisSettings
from acd.stats import local_day
from acd.store_redis import _LUA as LUA
from acd.store_redis import RedisStore
from acd.telephony import OfferEnd
from tests.support.redis_servers import RedisProcess, start_redis, start_sentinel

from .conftest import TEST_RULES, redis_url, require_redis
from .support import AgentHistory, agent

pytestmark = [pytest.mark.redis, pytest.mark.slow]

SERVICE = "hotline-test"
CALLS = 300
AGENTS = 12
KILL_AFTER = 100
GENERAL = SkillRequirement("billing")


@dataclass
class Phones:
    """The phone system: rings agents, answers on one node, hangs up on either."""

    nodes: list[AcdService] = field(default_factory=list)
    busy: set[str] = field(default_factory=set)  # agents whose phone rings or talks
    two_calls: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # answers the ACD did not take
    failures: list[str] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    rng: random.Random = field(default_factory=lambda: random.Random(17))

    async def connect(self, call: WaitingCall, agent: Agent) -> None:
        if agent.id in self.busy:
            self.two_calls.append((agent.id, call.entry_id))
        self.busy.add(agent.id)
        task = asyncio.create_task(self._talk(call.entry_id, agent.id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def call_back(self, request: CallbackRequest, agent: Agent) -> None:
        raise AssertionError("no callbacks in this test")

    async def cancel_offer(self, entry: WaitingEntry, agent: Agent, why: OfferEnd) -> None:
        self.busy.discard(agent.id)

    async def return_to_queue(self, entry: WaitingEntry, agent: Agent) -> None:
        self.busy.discard(agent.id)

    async def _talk(self, entry_id: str, agent_id: str) -> None:
        try:
            await asyncio.sleep(self.rng.uniform(0.02, 0.08))  # ringing
            if not await self.rng.choice(self.nodes).agent_answered(entry_id, agent_id):
                self.refused.append((entry_id, agent_id))
                return
            await asyncio.sleep(self.rng.uniform(0.05, 0.2))  # talking
            self.busy.discard(agent_id)
            await self.rng.choice(self.nodes).call_hung_up(entry_id)
        except AcdError as exc:
            self.failures.append(f"{entry_id}: {exc}")


async def keep_ticking(service: AcdService) -> None:
    while True:
        with contextlib.suppress(AcdError):  # the store failing over: the next tick catches up
            await service.tick()
        await asyncio.sleep(0.05)


async def primary_port(sentinel: RedisProcess) -> int:
    client = sentinel.client()
    try:
        reply: Any = await client.execute_command("SENTINEL", "get-master-addr-by-name", SERVICE)  # type: ignore[no-untyped-call]
        return int(reply[1])
    finally:
        await client.aclose()


async def test_primary_killed_mid_traffic(tmp_path: Path) -> None:
    primary = await start_redis(tmp_path / "primary")
    replica = await start_redis(tmp_path / "replica", replica_of=primary)
    sentinel = await start_sentinel(tmp_path / "sentinel", SERVICE, primary)
    servers = [primary, replica, sentinel]
    settings = RedisSettings(
        sentinels=[sentinel.address],
        sentinel_service=SERVICE,
        failover_s=30.0,
        wait_replicas=1,
        wait_timeout_ms=200,
        key_prefix="failover",
    )
    phones = Phones()
    history = AgentHistory()
    answers: Counter[str] = Counter()

    def count_answers(event: AcdEvent) -> None:
        if isinstance(event, CallAnswered):
            answers[event.entry.entry_id] += 1

    nodes: list[AcdService] = []
    stores: list[RedisStore] = []
    tickers: list[asyncio.Task[None]] = []
    try:
        await wait_for_replica(primary, sentinel)
        for name in ("node-a", "node-b"):
            store = await RedisStore.open(settings, "failover:acd")
            stores.append(store)
            acd = AcdSettings(
                store="redis", node_id=name, presence_ttl_s=60.0, ring_timeout_s=30.0, wrapup_s=0.0
            )
            service = AcdService(
                store=store,
                telephony=phones,
                routing=load_routing(TEST_RULES),
                settings=acd,
                listeners=[history, count_answers],
            )
            await service.start()
            nodes.append(service)
        phones.nodes = nodes
        for i in range(AGENTS):
            await nodes[0].register_agent(agent(f"j{i}"))
            await nodes[i % 2].login(f"j{i}")
        tickers = [asyncio.create_task(keep_ticking(n)) for n in nodes]

        loop = asyncio.get_running_loop()
        slowest_enqueue = 0.0
        killed_at = failed_over_at = 0.0
        first_port = primary.port
        for i in range(CALLS):
            if i == KILL_AFTER:
                primary.kill()  # a crash: no shutdown, no save
                killed_at = loop.time()
            began = loop.time()
            await nodes[i % 2].enqueue(f"u{i:04d}", GENERAL, "normal", "chengdu")
            slowest_enqueue = max(slowest_enqueue, loop.time() - began)
            if killed_at and not failed_over_at and await primary_port(sentinel) != first_port:
                failed_over_at = loop.time()
                # the old primary's place is taken by a new replica of the new primary
                assert await primary_port(sentinel) == replica.port
                servers.append(await start_redis(tmp_path / "replica-2", replica_of=replica))
            await asyncio.sleep(0.02)
        async with asyncio.timeout(60):  # a loaded machine: the promotion may come after the last call
            while killed_at and not failed_over_at:
                if await primary_port(sentinel) != first_port:
                    failed_over_at = loop.time()
                    assert await primary_port(sentinel) == replica.port
                await asyncio.sleep(0.05)
        await wait_until(lambda: len(answers) == CALLS and not phones.tasks, 120, "every call to be answered")
        await wait_until(lambda: not phones.busy, 30, "every phone to hang up")
        for ticker in tickers:
            ticker.cancel()
        await asyncio.gather(*tickers, return_exceptions=True)
        for node in nodes:
            await node.board.flush()

        assert failed_over_at, "the Sentinel never promoted the replica"
        assert phones.failures == []
        assert phones.refused == []
        assert phones.two_calls == [], "an agent was offered a call while on one"
        assert [e for e, n in answers.items() if n != 1] == [], "a call was answered twice"
        assert len(answers) == CALLS, "a call was lost"
        assert history.problems() == []
        store = stores[0]
        await wait_until_settled(store)
        assert await store.calls() == []
        assert await store.audit(loop.time()) == []
        tally = await store.tally(local_day(time.time(), ZoneInfo(AcdSettings().timezone)))
        assert tally.counts["*"]["answered"] == CALLS
        print(
            f"sentinel failover: {CALLS} calls, {len(answers)} answered once each; "
            f"primary killed after {KILL_AFTER}, Sentinel promoted the replica after "
            f"{failed_over_at - killed_at:.2f} s; slowest enqueue {slowest_enqueue:.2f} s"
        )
    finally:
        for ticker in tickers:
            ticker.cancel()
        await asyncio.gather(*tickers, *phones.tasks, return_exceptions=True)
        for store in stores:
            await store.close()
        for server in reversed(servers):
            server.kill()


async def wait_for_replica(primary: RedisProcess, sentinel: RedisProcess) -> None:
    """Until the replica is in sync and the Sentinel knows it (it asks the primary every 10 s)."""
    client, watcher = primary.client(), sentinel.client()
    try:
        for _ in range(600):
            info: Any = await client.info("replication")
            known: Any = await watcher.execute_command("SENTINEL", "replicas", SERVICE)  # type: ignore[no-untyped-call]
            if "online" in str(info.get("slave0", "")) and known:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the replica never caught up, or the Sentinel never saw it")
    finally:
        await client.aclose()
        await watcher.aclose()


async def wait_until(predicate: Any, timeout_s: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def wait_until_settled(store: RedisStore) -> None:
    for _ in range(200):
        states = {s.state for s in (await store.statuses()).values()}
        if states <= {AgentState.AVAILABLE}:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"agents not settled: {await store.statuses()}")


async def test_a_retried_script_is_applied_once() -> None:
    """A script's reply is lost and the script sent again with the same operation id: the same
    reply comes back and nothing is applied twice; a new operation id runs it again."""
    await require_redis()
    prefix = f"test-once-{secrets.token_hex(4)}"
    client = aioredis.Redis.from_url(redis_url(), decode_responses=True)
    common = (LUA / "common.lua").read_text(encoding="utf-8")
    counting: Any = client.register_script(
        once_only(common, "local n = redis.call('INCR', P .. ':n')\nreturn {n, 'reserved'}")
    )
    nothing: Any = client.register_script(once_only(common, "redis.call('INCR', P .. ':m')\nreturn nil"))
    try:
        first = await counting(keys=[], args=[prefix, "op-1"])
        again = await counting(keys=[], args=[prefix, "op-1"])  # the retry
        assert first == again == [1, "reserved"]
        assert await counting(keys=[], args=[prefix, "op-2"]) == [2, "reserved"]
        assert await nothing(keys=[], args=[prefix, "op-3"]) is None
        assert await nothing(keys=[], args=[prefix, "op-3"]) is None
        assert await client.get(f"{prefix}:n") == "2" and await client.get(f"{prefix}:m") == "1"
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
