"""Benchmark of the WebSocket fan-out: many agent and wallboard clients receiving ACD state changes.

``run(clients, wallboards, rate, duration_s)`` serves the real API app (in-memory ACD, a SQLite
file) on a free loopback port in this process, and connects ``clients`` WebSocket clients from a
**second process** (so the clients' own work does not count against the server): ``clients -
wallboards`` agents, each signed in as one ACD agent (topic ``agent:<id>``), and ``wallboards``
provincial supervisors (the whole floor and the wallboard).  The ACD then changes ``rate`` agent
states a second (pause / unpause, round robin) for ``duration_s``: each change goes to its
agent's client and to every supervisor, and the wallboard figures follow at their own pace.

Latency is measured per message, from the server's publish time (``ts`` in each message) to its
arrival in the client process (same machine, same clock).  Result keys: ``clients``,
``wallboards``, ``state_changes``, ``state_changes_per_s``, ``messages`` (received),
``messages_per_s``, ``latency_ms`` (``p50``/``p90``/``p99``/``max`` of state-change messages),
``wallboard_messages``, ``dropped`` (messages a slow client lost), ``connect_s``,
``peak_rss_mb`` (server process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry

from acd.model import Agent, AgentLevel, CallbackRequest, Skill, WaitingCall, WaitingEntry
from acd.overflow import load_routing
from acd.service import AcdService
from acd.store_memory import MemoryStore
from acd.telephony import OfferEnd
from cti.ami.client import AmiClient
from cti.api.acd_link import AcdLink
from cti.api.app import ApiDeps, build_app
from cti.api.keys import AUTH, HUB
from cti.api.roles import Principal
from cti.settings import AcdSettings, AmiSettings, Settings, StorageSettings
from cti.storage.db import create_engine_from_settings, create_schema, session_factory
from cti.storage.users import Role

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
    clients: int = 500, wallboards: int = 100, rate: float = 200.0, duration_s: float = 10.0
) -> dict[str, Any]:
    before = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))  # errors only
    try:
        return await _run(clients, wallboards, rate, duration_s)
    finally:
        structlog.configure(**before)


async def _run(clients: int, wallboards: int, rate: float, duration_s: float) -> dict[str, Any]:
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
        signer, now = app[AUTH].signer, time.time()
        tokens = [
            signer.issue(Principal(n + 1, f"a{n}", Role.AGENT_JUNIOR, "lanzhou", aid), now).token
            for n, aid in enumerate(ids)
        ]
        tokens += [
            signer.issue(Principal(100_000 + n, f"s{n}", Role.SUPERVISOR, "province"), now).token
            for n in range(wallboards)
        ]
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps({"url": f"ws://127.0.0.1:{port}/api/ws", "tokens": tokens}))
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.websocket", "--client", str(job),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert child.stdin is not None and child.stdout is not None
        try:
            started = time.perf_counter()
            line = await asyncio.wait_for(child.stdout.readline(), 120)
            if line.strip() != b"READY":
                raise RuntimeError(f"the client process did not connect: {line!r}")
            connect_s = time.perf_counter() - started
            _say(f"bench websocket: {clients} clients connected in {connect_s:.1f} s; {rate:g} changes/s")
            changes = await _drive(acd, ids, rate, duration_s)
            await asyncio.sleep(1.0)  # let the last messages arrive
            child.stdin.write(b"STOP\n")
            await child.stdin.drain()
            report = json.loads(await asyncio.wait_for(child.stdout.readline(), 60))
        finally:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()
            dropped = app[HUB].dropped
            await runner.cleanup()
            await engine.dispose()
    return {
        "clients": clients,
        "wallboards": wallboards,
        "duration_s": duration_s,
        "state_changes": changes,
        "state_changes_per_s": round(changes / duration_s, 1),
        "messages": report["messages"],
        "messages_per_s": round(report["messages"] / duration_s, 1),
        "latency_ms": report["latency_ms"],
        "wallboard_messages": report["wallboard"],
        "dropped": int(dropped),
        "connect_s": round(connect_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


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
    counts = {"messages": 0, "wallboard": 0}
    connect_limit = asyncio.Semaphore(64)
    stop = asyncio.Event()

    async def one(session: aiohttp.ClientSession, token: str, ready: asyncio.Event) -> None:
        async with connect_limit:
            ws = await session.ws_connect(job["url"], max_msg_size=0)
            await ws.send_str(json.dumps({"type": "auth", "token": token}))
            hello = await ws.receive_json()
            assert hello["type"] == "hello", hello
        ready.set()
        async for msg in ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            arrived = time.time()
            data = json.loads(msg.data)
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
        counts.update(messages=0, wallboard=0)
        print("READY", flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        await reader.readline()
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    latencies.sort()

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    summary = {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0)}
    print(
        json.dumps({"messages": counts["messages"], "wallboard": counts["wallboard"], "latency_ms": summary}),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.websocket")
    parser.add_argument("--client", help="run the clients of a job file (internal)")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--wallboards", type=int, default=100)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    if args.client:
        asyncio.run(_clients(json.loads(Path(args.client).read_text())))
        return
    print(json.dumps(asyncio.run(run(args.clients, args.wallboards, args.rate, args.duration)), indent=2))


if __name__ == "__main__":
    main()
