"""Benchmark of the FastAGI path: our server, many concurrent calls, cheap commands.

``run(sessions, duration_s)`` starts a :class:`FastAgiServer` on a free loopback port and
``sessions`` simulated Asterisk calls (``sim.agi.client.run_fastagi`` on in-memory channels)
at once; each call's handler loops SET VARIABLE / GET VARIABLE / STREAM FILE of a
zero-length sound until ``duration_s`` has passed.  Everything runs in one process and one
event loop (both sides of every socket), so the numbers are a floor for the server alone.

The floor, in the same run and the same process: the same simulated calls (the same client)
connect to a bare ``asyncio.start_server`` that skips the environment, then writes the same three
commands as fixed bytes and reads each ``200 result=...`` line -- no parsing, no session, no
handler, no metrics.  Its p99 is what one event loop carrying both ends of ``sessions`` sockets
costs anyway; ``p99_ratio`` (ours over the floor) is what our server adds to it.

Result keys: ``sessions``, ``duration_s``, ``round_trips`` (commands answered),
``round_trips_per_s``, ``p50_ms`` / ``p99_ms`` (command sent -> reply parsed, seen by the
handler), ``connect_s`` (until every call's handler was running), ``failed_sessions``,
``peak_rss_mb`` (of this process); ``floor_round_trips_per_s``, ``floor_p50_ms``,
``floor_p99_ms``, ``floor_failed_sessions`` (the bare server, ``duration_s`` long, run first)
and ``p99_ratio``.  Progress goes to stderr once a second.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import sys
import time
from collections.abc import Callable
from typing import IO, Any

import structlog
from prometheus_client import CollectorRegistry

from cti.agi.server import FastAgiServer
from cti.agi.session import AgiSession
from sim.agi.client import run_fastagi
from sim.agi.port import ChannelHungUp, PlaybackOutcome

__all__ = ["BenchChannel", "run"]

# what AgiSession writes for the handler's three commands, as the floor server sends them
_FLOOR_COMMANDS = (
    b"SET VARIABLE BENCH_STEP 0\n",
    b"GET VARIABLE BENCH_STEP\n",
    b'STREAM FILE silence ""\n',
)


class BenchChannel:
    """An in-memory answered channel: variables in a dict, every sound zero-length."""

    def __init__(self, n: int) -> None:
        self.name = f"Local/bench@agi-{n:08x};2"
        self.uniqueid = f"1795680000.{n}"
        self.tech, self.language = "Local", "en"
        self.callerid_num: str | None = f"1380013{n:04d}"
        self.callerid_name: str | None = "Bench"
        self.dnid: str | None = None
        self.rdnis: str | None = None
        self.context, self.exten, self.priority, self.accountcode = "agi", "bench", 2, ""
        self.state = 6
        self.variables: dict[str, str] = {}
        self._hungup = asyncio.Event()

    @property
    def hungup(self) -> bool:
        return self._hungup.is_set()

    async def answer(self) -> None:
        self.state = 6

    async def play(self, filename: str, escape_digits: str) -> PlaybackOutcome:
        if self.hungup:
            raise ChannelHungUp()
        return PlaybackOutcome(found=True, digit=None, endpos=0)

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        return None

    async def say_digits(self, digits: str, escape_digits: str) -> str | None:
        return None

    async def say_number(self, number: int, escape_digits: str, gender: str | None) -> str | None:
        return None

    def flush_digits(self) -> None:
        return None

    def get_variable(self, name: str) -> str | None:
        return self.variables.get(name)

    def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value

    def substitute(self, text: str) -> str:
        return text

    async def exec_application(self, app: str, data: str) -> int:
        return 0

    async def set_music(self, on: bool, moh_class: str | None) -> None:
        return None

    async def hangup(self, cause: int = 16) -> None:
        self._hungup.set()

    async def wait_hangup(self) -> None:
        await self._hungup.wait()

    def publish_agi_exec(
        self,
        *,
        start: bool,
        command_id: int,
        command: str,
        result_code: int | None = None,
        result: str | None = None,
    ) -> None:
        return None


def _backlog(sessions: int) -> int:
    """Every call connects at once: a listen queue for all of them, on both servers alike (a
    shorter one drops connects, which then miss the client's 2 s connect limit)."""
    return max(1024, sessions)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def run(
    sessions: int = 2000, duration_s: float = 10.0, *, progress: IO[str] | None = None
) -> dict[str, Any]:
    """Run the benchmark; see the module docstring for the result."""
    out = sys.stderr if progress is None else progress
    quiet = not structlog.is_configured()
    if quiet:  # a log line per call would measure the console, not the server
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        return await _run(sessions, duration_s, out)
    finally:
        if quiet:
            structlog.reset_defaults()


async def _run(sessions: int, duration_s: float, out: IO[str]) -> dict[str, Any]:
    floor = await _floor(sessions, duration_s, out)
    ours = await _ours(sessions, duration_s, out)
    ours.update(floor)
    ours["p99_ratio"] = round(ours["p99_ms"] / floor["floor_p99_ms"], 2) if floor["floor_p99_ms"] else None
    return ours


async def _floor(sessions: int, duration_s: float, out: IO[str]) -> dict[str, Any]:
    """The same calls against a bare server: fixed command bytes out, one reply line in."""
    latencies: list[float] = []
    deadline = time.monotonic() + duration_s

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\n\n")  # the environment
            i = 0
            while time.monotonic() < deadline:
                sent = time.perf_counter()
                writer.write(_FLOOR_COMMANDS[i % 3])
                if not (await reader.readline()).startswith(b"200 "):
                    break
                latencies.append(time.perf_counter() - sent)
                i += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=_backlog(sessions))
    async with server:
        url = f"agi://127.0.0.1:{server.sockets[0].getsockname()[1]}/bench"
        statuses = await _drive(sessions, url, latencies, out, "agi floor", lambda: -1)
    latencies.sort()
    elapsed = max(duration_s, 1e-9)
    return {
        "floor_round_trips_per_s": round(len(latencies) / elapsed, 1),
        "floor_p50_ms": round(_percentile(latencies, 0.50) * 1000, 3),
        "floor_p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
        "floor_failed_sessions": sum(1 for s in statuses if s != "SUCCESS"),
    }


async def _drive(
    sessions: int, url: str, latencies: list[float], out: IO[str], label: str, active: Callable[[], int]
) -> list[str]:
    """Place ``sessions`` simulated calls to ``url`` at once; progress once a second."""
    started = last = time.monotonic()
    calls = [asyncio.ensure_future(run_fastagi(BenchChannel(n), url, [])) for n in range(sessions)]
    everything = asyncio.gather(*calls)
    while not everything.done():
        await asyncio.wait({everything}, timeout=0.01)
        now, running = time.monotonic(), active()
        if now - last >= 1.0:
            last = now
            rate = len(latencies) / max(now - started, 1e-9)
            shown = f"active {running:5d}/{sessions}  " if running >= 0 else ""
            print(
                f"{label}: {now - started:5.1f}s  {shown}round trips {len(latencies):9d}  ({rate:,.0f}/s)",
                file=out,
                flush=True,
            )
    return everything.result()


async def _ours(sessions: int, duration_s: float, out: IO[str]) -> dict[str, Any]:
    latencies: list[float] = []
    started = time.monotonic()
    deadline = started + duration_s

    async def handler(agi: AgiSession) -> None:
        i = 0
        while time.monotonic() < deadline:
            sent = time.perf_counter()
            step = i % 3
            if step == 0:
                await agi.set_variable("BENCH_STEP", str(i))
            elif step == 1:
                await agi.get_variable("BENCH_STEP")
            else:
                await agi.stream_file("silence")
            latencies.append(time.perf_counter() - sent)
            i += 1

    server = FastAgiServer(
        {"bench": handler},
        port=0,
        max_sessions=sessions,
        registry=CollectorRegistry(),
        drain_timeout_s=1,
        backlog=_backlog(sessions),
    )
    connect_s: float | None = None

    def active() -> int:
        nonlocal connect_s
        if connect_s is None and server.active_sessions == sessions:
            connect_s = time.monotonic() - started
        return server.active_sessions

    async with server:
        url = f"agi://127.0.0.1:{server.port}/bench"
        statuses = await _drive(sessions, url, latencies, out, "agi bench", active)
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "sessions": sessions,
        "duration_s": round(elapsed, 3),
        "round_trips": len(latencies),
        "round_trips_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
        "connect_s": None if connect_s is None else round(connect_s, 3),
        "failed_sessions": sum(1 for s in statuses if s != "SUCCESS"),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    print(json.dumps(asyncio.run(run(n, seconds)), indent=2))
