"""Two Asterisk servers, one CTI node each, one ACD in Redis: agents answer callers of either server.

Two simulated Asterisk servers (two :class:`Simulator` in this process, each with its own AMI
port and its own uniqueids, as two servers with distinct ``systemname`` have) and one ``hotline
serve`` process beside each (``[acd] node_id`` ``pbx-a`` and ``pbx-b``, ``store = "redis"``,
one key prefix).  The agents' phones are reachable from both servers: each agent has one phone,
registered on both (a :class:`SharedPhone` on each simulator, one :class:`PhoneLine` between them, so a call
from one server finds the phone busy while it rings or talks for the other).  8 agents log in
through server A's node, 4 through server B's; 160 callers arrive, 60 % of them on server B,
some giving up soon.  Afterwards: callers waiting on each server were answered by agents
logged in on the other (the ``Redirect`` and ``Dial`` on the caller's server), every caller was
connected once or gave up, no phone was offered a call while on one and no agent had two calls
at once across both servers; nothing is left in Redis, no agent is stuck, each call was
answered once, neither node logged an error.
"""

from __future__ import annotations

import itertools
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from redis.asyncio import Redis

from acd.agent_state import AgentState
from acd.overflow import load_routing
from acd.service import AcdService
from acd.settings import AcdSettings
from acd.store_redis import RedisStore
from bench.hotline_calls import CALLERS_CONTEXT, Line, write_dialplan
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript
from sim.channel import Channel
from sim.distributions import Fixed, Uniform
from sim.main import Simulator, SimulatorConfig
from sim.outbound import OutboundLeg
from sim.phones import Phone, PhoneProfile
from tests.acd.conftest import redis_url, require_redis

from .test_two_nodes import (
    SECRET,
    NodeProcess,
    NoTelephony,
    agent,
    sqlite_contention,
    start_node,
    stop_nodes,
    wait_for,
    wait_for_agents_settled,
    wait_for_calls_gone,
)

pytestmark = [pytest.mark.redis, pytest.mark.slow]

CALLS = 160
SHARE_B = 0.6  # of the callers arrive on server B
AGENTS_A = 8  # logged in through server A's node
AGENTS_B = 4  # through server B's
SPEED = 20.0
SERVERS = ("pbx-a", "pbx-b")
UNIQUEID_START = {"pbx-a": 1, "pbx-b": 5_000_001}  # two servers' uniqueids never collide


@dataclass
class PhoneLine:
    """One agent's phone as both servers see it: busy for one while ringing or talking for the other."""

    current: Phone | None = None
    busy_offers: int = 0
    # (rang, ended) in real monotonic seconds, over both servers (the simulators' clocks differ)
    calls: list[tuple[float, float | None]] = field(default_factory=list)


class SharedPhone(Phone):
    """An agent's phone registered on one simulated server, sharing its :class:`PhoneLine` with its
    registration on the other."""

    def __init__(self, sim: Simulator, profile: PhoneProfile, line: PhoneLine, server: str) -> None:
        rng = random.Random(f"{server}/phone/{profile.extension}")
        super().__init__(sim.pbx, profile, rng)
        self.line = line
        self._open: dict[int, int] = {}  # id(channel) -> index in line.calls
        sim.phones[profile.extension] = self
        sim.pbx.endpoints[self.endpoint] = self

    def incoming(self, chan: Channel, leg: OutboundLeg) -> None:
        if self.line.current is not None and self.line.current is not self:
            self.line.busy_offers += 1  # ringing or talking on the other server
            chan.listeners.append(self)
            chan.hangupcause = 17
            leg.resolve("BUSY")
            return
        before = self.current
        super().incoming(chan, leg)
        if before is None and self.current is not None:
            self.line.current = self
            self._open[id(chan)] = len(self.line.calls)
            self.line.calls.append((time.monotonic(), None))

    def on_hangup(self, chan: Channel) -> None:
        index = self._open.pop(id(chan), None)
        if index is not None:
            self.line.calls[index] = (self.line.calls[index][0], time.monotonic())
        super().on_hangup(chan)
        if self.current is None and self.line.current is self:
            self.line.current = None


def agent_ids(server: str) -> range:
    return range(AGENTS_A) if server == "pbx-a" else range(AGENTS_A, AGENTS_A + AGENTS_B)


async def log_in(prefix: str) -> None:
    """Each server's agents log in through its node (whose presence keeps them logged in)."""
    for server in SERVERS:
        store = await RedisStore.connect(redis_url(), f"{prefix}:acd")
        settings = AcdSettings(store="redis", node_id=server, presence_ttl_s=10.0)
        service = AcdService(store=store, telephony=NoTelephony(), routing=load_routing(), settings=settings)
        try:
            for i in agent_ids(server):
                await service.register_agent(agent(i))
                await service.login(agent(i).id)
        finally:
            await store.close()


def sim_config(tmp_path: Path, server: str) -> SimulatorConfig:
    return SimulatorConfig(
        dialplan=write_dialplan(tmp_path / f"{server}.conf", {"100": Line("general")}),
        ami_port=0,
        users=[AmiUser.build("hotline", SECRET)],
        speed=SPEED,
        spool_dir=tmp_path / f"spool-{server}",
        globals={"RECORD_CALLS": "no", "AGENT_RING_TIMEOUT": "10"},
        seed=160 + SERVERS.index(server),
        uniqueid_start=UNIQUEID_START[server],
    )


async def test_two_servers_share_the_agents(tmp_path: Path) -> None:
    await require_redis()
    prefix = f"test-two-servers-{secrets.token_hex(4)}"
    rng = random.Random(160)
    nodes: dict[str, NodeProcess] = {}
    try:
        async with (
            Simulator(sim_config(tmp_path, "pbx-a")) as sim_a,
            Simulator(sim_config(tmp_path, "pbx-b")) as sim_b,
        ):
            sims = {"pbx-a": sim_a, "pbx-b": sim_b}
            lines: dict[str, PhoneLine] = {}
            for i in range(AGENTS_A + AGENTS_B):
                extension = str(1001 + i)
                lines[extension] = PhoneLine()
                # the one who never answers: agent-1003 (logged in on A)
                profile = PhoneProfile(extension, ring=Uniform(0.5, 3.0), talk=None, answers=(i != 2))
                for server, sim in sims.items():
                    SharedPhone(sim, profile, lines[extension], server)
            for server, sim in sims.items():
                nodes[server] = await start_node(tmp_path, server, sim.ami_port, prefix, node_id=server)
            up = lambda: all(n.said("cti node up") for n in nodes.values())  # noqa: E731
            await wait_for(up, 60, "both nodes to start")
            for server, sim in sims.items():
                sim.pbx.agi_override = f"127.0.0.1:{nodes[server].agi_port}"
            await log_in(prefix)

            callers: dict[str, list[Caller]] = {server: [] for server in SERVERS}
            t = 0.0
            start = sim_a.clock.elapsed()
            for i in range(CALLS):
                t += rng.expovariate(1 / 2.5)  # a call every 2.5 simulated seconds; talk 25 s on 12 agents
                delay = t - (sim_a.clock.elapsed() - start)
                if delay > 0:
                    await sim_a.clock.sleep(delay)
                server = "pbx-b" if rng.random() < SHARE_B else "pbx-a"
                patience = Fixed(rng.uniform(0.5, 8.0)) if rng.random() < 0.15 else None
                script = CallerScript(
                    number=f"139{i:08d}",
                    dial="100",
                    context=CALLERS_CONTEXT,
                    talk=Fixed(rng.expovariate(1 / 25.0)),
                    patience=patience,
                )
                callers[server].append(sims[server].call(script))
            everyone = [c for server in SERVERS for c in callers[server]]
            await wait_for(lambda: all(c.done.is_set() for c in everyone), 240, "every call to end")
            idle = lambda: not sim_a.pbx.channels and not sim_b.pbx.channels  # noqa: E731
            await wait_for(idle, 30, "every channel to go")

            # -- the simulators' view ---------------------------------------------------
            for extension, line in lines.items():
                assert line.busy_offers == 0, f"{extension} was offered a call while on one (other server)"
                for sim in sims.values():
                    phone = sim.phones[extension]
                    assert phone.busy_offers == 0, f"{extension} was offered a call while on one"
                spans = sorted((begin, end if end is not None else 0.0) for begin, end in line.calls)
                for (_, end), (begin, _) in itertools.pairwise(spans):
                    assert begin >= end, f"{extension} had two calls at once"
            answered_by: dict[tuple[str, str], int] = Counter()  # (caller's server, agent's) -> calls
            for server in SERVERS:
                for caller in callers[server]:
                    record, channel = caller.record, caller.channel
                    assert record is not None and channel is not None
                    assert record.connected_at is not None or record.abandoned, f"{record.uniqueid} lost"
                    assert len(channel.bridge_log) <= 1, f"{record.uniqueid} bridged twice"
                    if record.connected_at is not None:
                        assert record.connected_to is not None
                        i = int(record.connected_to.split("/")[1].split("-")[0]) - 1001
                        answered_by[server, "pbx-a" if i < AGENTS_A else "pbx-b"] += 1
            connected = [c for c in everyone if c.record is not None and c.record.connected_at is not None]
            abandoned = [c for c in everyone if c.record is not None and c.record.abandoned]
            assert len(connected) >= CALLS * 0.75
            assert answered_by["pbx-b", "pbx-a"] >= 20, answered_by  # B's callers, A's agents
            assert answered_by["pbx-a", "pbx-b"] >= 5, answered_by  # and the other way round

            # -- the ACD's view ---------------------------------------------------------
            store = await RedisStore.connect(redis_url(), f"{prefix}:acd")
            try:
                await wait_for_calls_gone(store)
                await wait_for_agents_settled(store)
                statuses = await store.statuses()
                logged_in = {agent(i).id for i in range(AGENTS_A + AGENTS_B)}  # the directory has more
                stuck = {
                    a: s.state
                    for a, s in statuses.items()
                    if a in logged_in and s.state is not AgentState.AVAILABLE
                }
                assert stuck == {"agent-1003": AgentState.PAUSED}  # the one who never answers
                assert statuses["agent-1003"].reason == "no-answer"
                assert await store.audit(0.0) == []
            finally:
                await store.close()
            client = Redis.from_url(redis_url(), decode_responses=True)
            try:  # every request between the nodes was taken, every reply read
                left = [key async for key in client.scan_iter(match=f"{prefix}:acd:telephony*")]
            finally:
                await client.aclose()
            assert left == []
            answers = Counter(
                line["uniqueid"] for n in nodes.values() for line in n.said("acd call answered")
            )
            assert answers and max(answers.values()) == 1, "a call was answered twice"
            assert set(answers) == {c.record.uniqueid for c in connected if c.record is not None}
            for node in nodes.values():
                errors = [
                    line
                    for line in node.lines()
                    if line.get("level") in ("error", "critical") and not sqlite_contention(line)
                ]
                assert errors == [], errors[:3]
            print(
                f"two servers: {CALLS} calls ({len(callers['pbx-a'])} on A, {len(callers['pbx-b'])} on B), "
                f"{len(connected)} connected, {len(abandoned)} gave up; answered (caller's server, "
                f"agent's): {dict(answered_by)}; "
                + "; ".join(
                    f"{name}: offers {len(n.said('acd offer'))}, answers {len(n.said('acd call answered'))}, "
                    f"no-answer {len(n.said('acd offer failed'))}, "
                    f"asked the other server {len(n.said('acd asked server'))}"
                    for name, n in nodes.items()
                )
            )
            await stop_nodes(list(nodes.values()))  # before the simulators go
    finally:
        await stop_nodes(list(nodes.values()))
        store = await RedisStore.connect(redis_url(), f"{prefix}:acd")
        await store.delete_everything()
        await store.close()
