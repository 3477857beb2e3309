"""Two CTI nodes — two ``hotline serve`` processes — on one Redis and one simulated Asterisk.

The simulator (in this process) spreads its FastAGI connections over both nodes in turn, as a
load balancer would, so callers wait on either node and are offered by either; every node sees
every AMI event.  500 callers (some give up soon: while waiting, or as an agent's phone rings),
20 agents logged in through the two nodes (one of them never answers).  Afterwards, from the
simulator's side: no agent's phone ever had two calls at once, every caller was connected once
or gave up, nobody was bridged twice; from the ACD's: nothing is left in Redis, no agent is
stuck, each answered call was answered once, neither node logged an error.  Both nodes' wallboards
(``GET /api/wallboard``) show the same figures: under traffic, whenever node a's counters did
not move around a reading of node b's, b's are the same; once traffic stops, every figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import aiohttp
import pytest

from acd.agent_state import AgentState
from acd.model import Agent, AgentLevel, CallbackRequest, Skill, WaitingCall
from acd.overflow import load_routing
from acd.service import AcdService
from acd.settings import AcdSettings
from acd.store_redis import RedisStore
from acd.telephony import OfferEnd
from bench.hotline_calls import CALLERS_CONTEXT, Line, write_dialplan
from bench.sim_hotline import write_directory
from cti.access.roles import Principal
from cti.access.tokens import TokenSigner
from node.settings import load_settings
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript
from sim.distributions import Fixed, Uniform
from sim.main import Simulator, SimulatorConfig
from sim.phones import PhoneProfile
from storage.db import create_engine_from_settings, session_factory
from storage.users import NewUser, Role, create_user
from tests.acd.conftest import redis_url, require_redis
from tests.support.ports import free_port

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
CALLS = 500
AGENTS = 20
SPEED = 20.0
SECRET = "two-nodes-secret"
TOKEN_KEY = secrets.token_hex(16)
NODES = ("node-a", "node-b")


class NoTelephony:
    """The test's own ACD handle only logs agents in; it never offers a call."""

    async def connect(self, call: WaitingCall, agent: Agent) -> None:
        raise AssertionError("the test process must not connect calls")

    async def call_back(self, request: CallbackRequest, agent: Agent) -> None:
        raise AssertionError("the test process must not call back")

    async def cancel_offer(self, entry: WaitingCall | CallbackRequest, agent: Agent, why: OfferEnd) -> None:
        raise AssertionError("the test process must not cancel offers")

    async def return_to_queue(self, entry: WaitingCall | CallbackRequest, agent: Agent) -> None:
        raise AssertionError("the test process must not move calls")


@dataclass
class NodeProcess:
    name: str
    agi_port: int
    api_port: int
    proc: asyncio.subprocess.Process
    log_path: Path
    log_file: IO[bytes]

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for raw in self.log_path.read_text(errors="replace").splitlines():
            if raw.startswith("{"):
                with contextlib.suppress(json.JSONDecodeError):
                    out.append(json.loads(raw))
        return out

    def said(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("event") == event]


def node_config(
    workdir: Path,
    name: str,
    ami_port: int,
    agi_port: int,
    api_port: int,
    prefix: str,
    node_id: str,
    extra: str,
) -> Path:
    path = workdir / f"{name}.toml"
    path.write_text(
        f"""
[ami]
host = "127.0.0.1"
port = {ami_port}
username = "hotline"
secret = "{SECRET}"

[agi]
host = "127.0.0.1"
port = {agi_port}

[storage]
url = "sqlite+aiosqlite:///{workdir / name}.sqlite3"

[redis]
url = "{redis_url()}"
key_prefix = "{prefix}"

[acd]
store = "redis"
node_id = "{node_id}"
ring_timeout_s = 3.0
wrapup_s = 0.1
presence_ttl_s = 10.0
announce_interval_s = 30.0

[api]
host = "127.0.0.1"
port = {api_port}
token_key = "{TOKEN_KEY}"
listen = true

[recordings]
directory = "{workdir / "recordings"}"

[log]
level = "INFO"
{extra}"""
    )
    return path


async def start_node(
    workdir: Path, name: str, ami_port: int, prefix: str, *, node_id: str | None = None, extra: str = ""
) -> NodeProcess:
    """A ``hotline serve`` process; its ACD identity is ``node_id`` (default: its name)."""
    agi_port, api_port = free_port(), free_port()
    config = node_config(workdir, name, ami_port, agi_port, api_port, prefix, node_id or name, extra)
    settings = load_settings(config)
    agents = [(agent(i), f"agent {i}") for i in range(AGENTS)]
    await write_directory(settings, agents)
    await write_supervisor(settings)
    log_path = workdir / f"{name}.log"
    log_file = log_path.open("wb")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HOTLINE_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--config",
        str(config),
        cwd=workdir,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    return NodeProcess(name, agi_port, api_port, proc, log_path, log_file)


SUPERVISOR_ID = 1  # the first user of each node's fresh database


async def write_supervisor(settings: Any) -> None:
    """The provincial supervisor whose token reads the wallboards: a token is honoured only for a
    user the node's database holds (issue 15)."""
    engine = create_engine_from_settings(settings.storage)
    try:
        async with session_factory(engine)() as db:
            new = NewUser("supervisor", "supervisor", secrets.token_urlsafe(24), Role.SUPERVISOR, "province")
            user = await create_user(db, new, datetime.now(UTC))
            await db.commit()
            assert user.id == SUPERVISOR_ID, user.id
    finally:
        await engine.dispose()


def agent(i: int) -> Agent:
    return Agent(f"agent-{1001 + i}", str(1001 + i), "lanzhou", AgentLevel.JUNIOR, (Skill("general"),))


async def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def log_in_agents(prefix: str, nodes: tuple[str, ...] = NODES) -> None:
    """The agents log in through each node in turn (the node they log in through keeps them alive)."""
    for n, node in enumerate(nodes):
        store = await RedisStore.connect(redis_url(), f"{prefix}:acd")
        settings = AcdSettings(store="redis", node_id=node, presence_ttl_s=10.0)
        service = AcdService(store=store, telephony=NoTelephony(), routing=load_routing(), settings=settings)
        try:
            for i in range(n, AGENTS, len(nodes)):
                await service.register_agent(agent(i))
                await service.login(agent(i).id)
        finally:
            await store.close()


async def test_two_nodes_500_calls(tmp_path: Path) -> None:
    await require_redis()
    prefix = f"test-two-nodes-{secrets.token_hex(4)}"
    rng = random.Random(500)
    phones = [
        PhoneProfile(str(1001 + i), ring=Uniform(0.5, 3.0), talk=None, answers=(i != 7))
        for i in range(AGENTS)
    ]
    config = SimulatorConfig(
        dialplan=write_dialplan(tmp_path / "extensions.conf", {"100": Line("general")}),
        ami_port=0,
        users=[AmiUser.build("hotline", SECRET)],
        speed=SPEED,
        spool_dir=tmp_path / "spool",
        globals={"RECORD_CALLS": "no", "AGENT_RING_TIMEOUT": "10"},
        seed=500,
    )
    nodes: list[NodeProcess] = []
    try:
        async with Simulator(config) as sim:
            for profile in phones:
                sim.add_phone(profile)
            for name in NODES:
                nodes.append(await start_node(tmp_path, name, sim.ami_port, prefix))
            await wait_for(lambda: all(n.said("cti node up") for n in nodes), 60, "both nodes to start")
            sim.pbx.agi_override = ",".join(f"127.0.0.1:{n.agi_port}" for n in nodes)
            await log_in_agents(prefix)

            boards = asyncio.create_task(compare_wallboards(nodes))
            callers: list[Caller] = []
            t = 0.0
            start = sim.clock.elapsed()
            for i in range(CALLS):
                t += rng.expovariate(0.5)  # a call every 2 simulated seconds; talk 30 s on 20 agents
                delay = t - (sim.clock.elapsed() - start)
                if delay > 0:
                    await sim.clock.sleep(delay)
                # some give up soon: while waiting, or just as an agent's phone rings
                patience = Fixed(rng.uniform(0.5, 8.0)) if rng.random() < 0.15 else None
                script = CallerScript(
                    number=f"139{i:08d}",
                    dial="100",
                    context=CALLERS_CONTEXT,
                    talk=Fixed(rng.expovariate(1 / 30.0)),
                    patience=patience,
                )
                callers.append(sim.call(script))
            await wait_for(lambda: all(c.done.is_set() for c in callers), 300, "every call to end")
            await wait_for(lambda: not sim.pbx.channels, 30, "every channel to go")
            boards.cancel()
            compared = await boards
            assert compared.agreed >= 10, f"too few readings of both wallboards under traffic: {compared}"
            assert compared.disagreed == [], compared.disagreed[:2]

            # -- the simulator's view ---------------------------------------------------
            for phone in sim.phones.values():
                assert phone.busy_offers == 0, f"{phone.endpoint} was offered a call while on one"
                talks = sorted(
                    (c.answered_at, c.ended_at or 0.0) for c in phone.calls if c.answered_at is not None
                )
                for (_, end), (begin, _) in itertools.pairwise(talks):
                    assert begin >= end, f"{phone.endpoint} had two calls at once"
            connected = [c for c in callers if c.record is not None and c.record.connected_at is not None]
            for caller in callers:
                record, channel = caller.record, caller.channel
                assert record is not None and channel is not None
                assert record.connected_at is not None or record.abandoned, f"{record.uniqueid} lost"
                assert len(channel.bridge_log) <= 1, f"{record.uniqueid} bridged twice"
            assert len(connected) >= CALLS * 0.8

            # -- the ACD's view ---------------------------------------------------------
            store = await RedisStore.connect(redis_url(), f"{prefix}:acd")
            try:
                await wait_for_calls_gone(store)
                await wait_for_agents_settled(store)
                statuses = await store.statuses()
                stuck = {a: s.state for a, s in statuses.items() if s.state not in (AgentState.AVAILABLE,)}
                assert stuck == {"agent-1008": AgentState.PAUSED}  # the one who never answers
                assert statuses["agent-1008"].reason == "no-answer"
                assert await store.audit(0.0) == []
            finally:
                await store.close()
            async with wallboard_reader() as read:  # traffic over: every figure is the same
                final = [await read(n) for n in nodes]
            for view in final:
                view.pop("at")
            assert final[0] == final[1]
            assert final[0]["total"]["answered"] == len(connected)
            print(f"wallboards: {compared.agreed} readings agreed under traffic; total {final[0]['total']}")
            answers = Counter(line["uniqueid"] for n in nodes for line in n.said("acd call answered"))
            assert max(answers.values()) == 1, "a call was answered twice"
            assert set(answers) == {c.record.uniqueid for c in connected if c.record is not None}
            for node in nodes:  # both nodes queued and offered calls, and nothing went wrong
                assert len(node.said("acd call queued")) > CALLS / 4, node.name
                assert len(node.said("acd offer")) > CALLS / 4, node.name
                errors = [
                    line
                    for line in node.lines()
                    if line.get("level") in ("error", "critical") and not sqlite_contention(line)
                ]
                assert errors == [], errors[:3]
            abandoned = sum(1 for c in callers if c.record is not None and c.record.abandoned)
            print(
                f"two nodes: {len(callers)} calls, {len(connected)} connected, {abandoned} gave up; "
                + "; ".join(
                    f"{n.name}: queued {len(n.said('acd call queued'))}, offers {len(n.said('acd offer'))}, "
                    f"answers {len(n.said('acd call answered'))}, no-answer {len(n.said('acd offer failed'))}"
                    for n in nodes
                )
            )
            await stop_nodes(nodes)  # before the simulator goes
    finally:
        await stop_nodes(nodes)
        store = await RedisStore.connect(redis_url(), f"{prefix}:acd")
        await store.delete_everything()
        await store.close()


def sqlite_contention(line: dict[str, Any]) -> bool:
    """The agent call log of the API (on for the wallboards) writing to the node's own SQLite file
    while the machine is loaded: each node's demo database, not the shared state under test."""
    return line.get("event") == "api job failed" and "database is locked" in str(line.get("exception"))


@dataclass
class Compared:
    agreed: int = 0  # readings of b between two equal readings of a, with calls answered
    skipped: int = 0  # a's counters moved meanwhile
    disagreed: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)


def counters(view: dict[str, Any]) -> dict[str, Any]:
    """What only grows: answered, within the threshold, abandoned, escalations, per group."""
    groups = {"total": view["total"], **view["queues"], **view["prefectures"]}
    names = ("answered", "abandoned", "escalations", "service_level", "asa_s")
    return {group: {n: g[n] for n in names} for group, g in groups.items()}


@contextlib.asynccontextmanager
async def wallboard_reader() -> Any:
    """``read(node)``: GET /api/wallboard on a node as a provincial supervisor."""
    who = Principal(SUPERVISOR_ID, "supervisor", Role.SUPERVISOR, "province")
    token = TokenSigner(TOKEN_KEY, 3600).issue(who, time.time()).token
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:

        async def read(node: NodeProcess) -> dict[str, Any]:
            async with http.get(f"http://127.0.0.1:{node.api_port}/api/wallboard") as response:
                response.raise_for_status()
                view: dict[str, Any] = await response.json()
                return view

        yield read


async def compare_wallboards(nodes: list[NodeProcess]) -> Compared:
    """Read a, b, a again until cancelled; where a's counters did not move, b's must equal them
    (they only grow, so b's, read in between, can be neither behind nor ahead)."""
    compared = Compared()
    a, b = nodes
    async with wallboard_reader() as read:
        while True:
            try:
                first, other, second = await read(a), await read(b), await read(a)
            except asyncio.CancelledError:
                return compared
            if counters(first) != counters(second):
                compared.skipped += 1
            elif counters(other) != counters(first):
                compared.disagreed.append((counters(first), counters(other)))
            elif first["total"]["answered"]:
                compared.agreed += 1
            try:
                await asyncio.sleep(0.2)
            except asyncio.CancelledError:
                return compared


async def stop_nodes(nodes: list[NodeProcess]) -> None:
    for node in nodes:
        if node.proc.returncode is None:
            node.proc.send_signal(signal.SIGTERM)
    for node in nodes:
        try:
            async with asyncio.timeout(20):
                await node.proc.wait()
        except TimeoutError:
            node.proc.kill()
            await node.proc.wait()
        node.log_file.close()


async def wait_for_agents_settled(store: RedisStore) -> None:
    busy = (AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)
    for _ in range(100):
        if not [s for s in (await store.statuses()).values() if s.state in busy]:
            return
        await asyncio.sleep(0.1)


async def wait_for_calls_gone(store: RedisStore) -> None:
    for _ in range(100):
        if not await store.calls():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"calls left in the ACD: {[c.entry_id for c in await store.calls()]}")
