"""Benchmark of the WebSocket fan-out: many agent and wallboard clients receiving ACD state changes.

``run(clients, wallboards, rate, duration_s)`` serves the real API app (in-memory ACD, a SQLite
file) on a free loopback port in this process, and connects ``clients`` WebSocket clients from a
**second process** (so the clients' own work does not count against the server): ``clients -
wallboards`` agents, each signed in as one ACD agent (topic ``agent:<id>``), and ``wallboards``
provincial supervisors (the whole floor and the wallboard).  The ACD then changes ``rate`` agent
states a second (pause / unpause, round robin) for ``duration_s``: each change goes to its
agent's client and to every supervisor, and the wallboard figures follow at their own pace.

Latency is measured per message, from the server's publish time (``ts`` in each message) to its
arrival in the client process (same machine, same clock).  The clients are spread over
``client_processes`` processes (plain aiohttp, one ``json.loads`` a frame; the collector is frozen
once they are connected, so the instrument's own garbage collection does not show as latency);
each reports the CPU it used while the ACD changed, beside the server's, so a saturated client
is seen, not mistaken for a slow server.  Result keys: ``clients``, ``wallboards``,
``state_changes``, ``state_changes_per_s``, ``messages`` (received), ``messages_per_s``,
``frames`` (received), ``latency_ms`` (``p50``/``p90``/``p99``/``max`` of state-change
messages), ``wallboard_messages``, ``dropped`` (messages a slow client lost), ``connect_s``,
``server_cpu_s`` / ``client_cpu_s`` (CPU seconds while the ACD changed: the server process, each
client process), ``server_gc`` (its collections meanwhile), ``server_loop_lag_ms`` (how late its
event loop woke a 5 ms sleep: the server's share of a delivery's delay), ``server_loop_cpu_ms``
(the CPU it used in each of those sleeps: a late wake-up with little CPU waited for a core),
``frame_interval_ms`` (the server's pacing), ``peak_rss_mb`` (server process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.model import Agent, AgentLevel, CallbackRequest, Skill, WaitingCall, WaitingEntry
from acd.overflow import load_routing
from acd.service import AcdService
from acd.settings import AcdSettings
from acd.store_memory import MemoryStore
from acd.telephony import OfferEnd
from cti.access.roles import Principal
from cti.acd_bridge.link import AcdLink
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from cti.api.keys import AUTH, HUB
from node.heap import settle_heap
from node.settings import Settings
from node.web import ApiDeps, build_app
from storage.agents import AgentRecord
from storage.db import create_engine_from_settings, create_schema, session_factory
from storage.settings import StorageSettings
from storage.users import Role, User

__all__ = ["run"]

STATE_MESSAGES = frozenset({"agent.state", "floor.agent"})


class _NoTelephony:
    """The bench makes no calls: nothing to ring."""

    async def connect(self, call: WaitingCall, agent: Agent) -> None:
        return None

    async def call_back(self, request: CallbackRequest, agent: Agent) -> None:
        return None

    async def cancel_offer(self, entry: WaitingEntry, agent: Agent, why: OfferEnd) -> None:
        return None

    async def return_to_queue(self, entry: WaitingEntry, agent: Agent) -> None:
        return None


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def run(
    clients: int = 500,
    wallboards: int = 100,
    rate: float = 200.0,
    duration_s: float = 10.0,
    client_processes: int = 2,
    settle: bool = True,
) -> dict[str, Any]:
    before = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))  # errors only
    try:
        return await _run(clients, wallboards, rate, duration_s, max(1, client_processes), settle)
    finally:
        structlog.configure(**before)


async def _run(
    clients: int, wallboards: int, rate: float, duration_s: float, processes: int, settle: bool
) -> dict[str, Any]:
    agents = clients - wallboards
    if agents < 1 or wallboards < 0:
        raise ValueError("clients must exceed wallboards")
    with tempfile.TemporaryDirectory(prefix="hotline-ws-bench-") as tmp:
        storage = StorageSettings(url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        engine = create_engine_from_settings(storage)
        await create_schema(engine)
        acd_settings = AcdSettings(wrapup_s=0.0)
        acd = AcdService(
            store=MemoryStore(), telephony=_NoTelephony(), routing=load_routing(), settings=acd_settings
        )
        ids = [f"bench-{i:04d}" for i in range(agents)]
        for n, agent_id in enumerate(ids):
            skills = (Skill("general"), Skill(("billing", "fault", "consultation")[n % 3]))
            await acd.register_agent(Agent(agent_id, f"{5000 + n}", "lanzhou", AgentLevel.JUNIOR, skills))
            await acd.login(agent_id)
        await acd.start()
        settings = Settings(storage=storage, acd=acd_settings)
        deps = ApiDeps(
            settings,
            session_factory(engine),
            AmiClient(AmiSettings(port=9)),
            AcdLink(acd),
            CollectorRegistry(),
        )
        app = build_app(deps)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
        await site.start()
        port = next(a[1] for a in runner.addresses if isinstance(a, tuple))
        await _bench_users(session_factory(engine), ids, wallboards)  # every token's user must exist
        if settle:
            settle_heap()  # as hotline serve does once its node has started
        signer, now = app[AUTH].signer, time.time()
        tokens = [
            signer.issue(Principal(n + 1, f"a{n}", Role.AGENT_JUNIOR, "lanzhou", aid), now).token
            for n, aid in enumerate(ids)
        ]
        tokens += [
            signer.issue(Principal(100_000 + n, f"s{n}", Role.SUPERVISOR, "province"), now).token
            for n in range(wallboards)
        ]
        url = f"ws://127.0.0.1:{port}/api/ws"
        children = []
        try:
            for n in range(processes):
                job = Path(tmp) / f"job-{n}.json"
                job.write_text(json.dumps({"url": url, "tokens": tokens[n::processes]}))
                children.append(await _client_process(job))
            started = time.perf_counter()
            for child in children:
                assert child.stdout is not None
                line = await asyncio.wait_for(child.stdout.readline(), 180)
                if line.strip() != b"READY":
                    raise RuntimeError(f"a client process did not connect: {line!r}")
            connect_s = time.perf_counter() - started
            _say(
                f"bench websocket: {clients} clients ({processes} processes) connected in {connect_s:.1f} s;"
                f" {rate:g} changes/s"
            )
            cpu_before = time.process_time()
            lags: list[float] = []
            busy: list[float] = []
            probe = asyncio.create_task(_loop_lag(lags, busy))
            with _collections() as collections:
                changes = await _drive(acd, ids, rate, duration_s)
                await asyncio.sleep(1.0)  # let the last messages arrive
            probe.cancel()
            server_cpu_s = time.process_time() - cpu_before
            reports = []
            for child in children:
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(b"STOP\n")
                await child.stdin.drain()
            for child in children:
                assert child.stdout is not None
                reports.append(json.loads(await asyncio.wait_for(child.stdout.readline(), 60)))
        finally:
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
                await child.wait()
            dropped = app[HUB].dropped
            frame_interval_s = app[HUB].frame_interval_s
            await runner.cleanup()
            await engine.dispose()
    latencies = sorted(v for r in reports for v in r["latencies_ms"])
    return {
        "clients": clients,
        "wallboards": wallboards,
        "duration_s": duration_s,
        "state_changes": changes,
        "state_changes_per_s": round(changes / duration_s, 1),
        "messages": sum(r["messages"] for r in reports),
        "messages_per_s": round(sum(r["messages"] for r in reports) / duration_s, 1),
        "frames": sum(r["frames"] for r in reports),
        "latency_ms": _percentiles(latencies),
        "wallboard_messages": sum(r["wallboard"] for r in reports),
        "dropped": int(dropped),
        "connect_s": round(connect_s, 2),
        "server_cpu_s": round(server_cpu_s, 2),
        "client_cpu_s": [r["cpu_s"] for r in reports],
        "frame_interval_ms": round(frame_interval_s * 1000, 1),
        "server_gc": collections,
        "server_loop_lag_ms": _percentiles(sorted(lags)),
        "server_loop_cpu_ms": _percentiles(sorted(busy)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


async def _loop_lag(lags: list[float], busy: list[float]) -> None:
    """How late the server's event loop wakes a 5 ms sleep (ms), and the CPU it used meanwhile: a
    late wake-up with little CPU is the process waiting for a core, not its own work."""
    while True:
        began, cpu = time.perf_counter(), time.thread_time()
        await asyncio.sleep(0.005)
        lags.append((time.perf_counter() - began - 0.005) * 1000)
        busy.append((time.thread_time() - cpu) * 1000)


@contextlib.contextmanager
def _collections() -> Iterator[dict[str, float]]:
    """The server's garbage collections meanwhile: how many full ones, their CPU time, the longest."""
    out = {"full": 0, "cpu_s": 0.0, "longest_ms": 0.0}
    began = [0.0]

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.thread_time()
            return
        took = time.thread_time() - began[0]
        out["full"] += info["generation"] == 2
        out["cpu_s"] += took
        out["longest_ms"] = max(out["longest_ms"], took * 1000)

    gc.callbacks.append(watch)
    try:
        yield out
    finally:
        gc.callbacks.remove(watch)
        out["cpu_s"] = round(out["cpu_s"], 3)
        out["longest_ms"] = round(out["longest_ms"], 1)


async def _client_process(job: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.websocket", "--client", str(job),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 26,
    )  # fmt: skip


def _percentiles(latencies_ms: list[float]) -> dict[str, float | None]:
    def pct(p: float) -> float | None:
        if not latencies_ms:
            return None
        return round(latencies_ms[min(len(latencies_ms) - 1, int(p * len(latencies_ms)))], 2)

    return {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0)}


async def _bench_users(sessions: async_sessionmaker[AsyncSession], ids: list[str], wallboards: int) -> None:
    """Users (who cannot sign in: no password matches ``!``) behind the bench's tokens, and their
    agents in the directory: the API checks both on every request and frame."""
    now = datetime.now(UTC)
    async with sessions() as db:
        for n, aid in enumerate(ids):
            db.add(AgentRecord(agent_id=aid, name=aid, extension=f"{5000 + n}", prefecture="lanzhou",
                               level="junior", skills="general:3", active=True))  # fmt: skip
            db.add(User(id=n + 1, username=f"a{n}", display_name=aid, password_hash="!",
                        role=Role.AGENT_JUNIOR, prefecture="lanzhou", agent_id=aid, active=True,
                        created_at=now))  # fmt: skip
        for n in range(wallboards):
            db.add(User(id=100_000 + n, username=f"s{n}", display_name=f"s{n}", password_hash="!",
                        role=Role.SUPERVISOR, prefecture="province", created_at=now))  # fmt: skip
        await db.commit()


async def _drive(acd: AcdService, ids: list[str], rate: float, duration_s: float) -> int:
    """Pause and unpause agents round robin, ``rate`` changes a second."""
    paused: set[str] = set()
    changes = 0
    start = time.perf_counter()
    next_report = start + 1.0
    while (elapsed := time.perf_counter() - start) < duration_s:
        due = int(elapsed * rate) + 1
        while changes < due:
            agent_id = ids[changes % len(ids)]
            if agent_id in paused:
                await acd.unpause(agent_id)
                paused.discard(agent_id)
            else:
                await acd.pause(agent_id, "bench")
                paused.add(agent_id)
            changes += 1
        if time.perf_counter() >= next_report:
            _say(f"  t={elapsed:4.1f}s  changes {changes}")
            next_report += 1.0
        await asyncio.sleep(0.005)
    return changes


# -- the client process -----------------------------------------------------------------------
async def _clients(job: dict[str, Any]) -> None:
    latencies: list[float] = []
    counts = {"messages": 0, "wallboard": 0, "frames": 0}
    connect_limit = asyncio.Semaphore(64)

    async def one(session: aiohttp.ClientSession, token: str, ready: asyncio.Event) -> None:
        async with connect_limit:
            ws = await session.ws_connect(job["url"], max_msg_size=0)
            await ws.send_str(json.dumps({"type": "auth", "token": token}))
            hello = await ws.receive_json()
            if hello.get("type") != "hello":
                raise RuntimeError(f"bench: the server did not accept the token: {hello}")
        ready.set()
        async for msg in ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            arrived = time.time()
            data = json.loads(msg.data)
            counts["frames"] += 1
            for message in data if isinstance(data, list) else (data,):
                counts["messages"] += 1
                if message["type"] in STATE_MESSAGES and message["ts"]:
                    latencies.append(arrived - message["ts"])
                elif message["type"] == "wallboard":
                    counts["wallboard"] += 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        readies = [asyncio.Event() for _ in job["tokens"]]
        tasks = [asyncio.create_task(one(session, t, r)) for t, r in zip(job["tokens"], readies, strict=True)]
        await asyncio.gather(*(r.wait() for r in readies))
        latencies.clear()
        counts.update(messages=0, wallboard=0, frames=0)
        gc.collect()
        gc.freeze()  # the connected clients are never collected: no long pause of the instrument
        cpu_before = time.process_time()
        print("READY", flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        await reader.readline()
        cpu_s = time.process_time() - cpu_before
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    report = {
        **counts,
        "cpu_s": round(cpu_s, 2),
        "latencies_ms": [round(v * 1000, 2) for v in latencies],
    }
    print(json.dumps(report), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.websocket")
    parser.add_argument("--client", help="run the clients of a job file (internal)")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--wallboards", type=int, default=100)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--no-settle", action="store_true", help="leave the server's collector as it is")
    args = parser.parse_args()
    if args.client:
        asyncio.run(_clients(json.loads(Path(args.client).read_text())))
        return
    runs = run(
        args.clients, args.wallboards, args.rate, args.duration, args.client_processes, not args.no_settle
    )
    result = asyncio.run(runs)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
