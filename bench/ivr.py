"""Benchmark of the IVR: how many concurrent calls one process serves without dead air.

The process under test runs what a CTI node runs for the IVR: our :class:`FastAgiServer` with
the real handler (:func:`ivr.handler.build_ivr_handler`, the shipped menu ``ivr/menus/hotline.yaml``)
on a database seeded with the demo data (a temporary SQLite file, or ``database_url``).  A second
process plays Asterisk: ``sessions`` lines, each placing calls one after another through the
simulator's FastAGI client (:func:`sim.agi.client.run_fastagi`) on in-memory channels.  A call
follows one of :data:`SCRIPTS` (agent, knowledge, bill query with PIN, VIP complaint, suggestion,
fault report) at a :class:`~bench.ivr_pace.Pace`: by default the stress pace, its prompts lasting
``prompt_s``, SAY NUMBER/DIGITS ``say_s``, and the caller keying in ``think_s`` after each digit
wait starts -- a few commands a second per call, several times busier than a real caller; or, with
``prompts_dir``, every sound as long as the shipped prompts' rendered audio.

Command latency is measured where a caller would notice it, on the Asterisk side: from the
moment it answered one AGI command (or connected, for a call's first) to the moment the next
command arrived -- the IVR's thinking, database and event loop included.  ``run`` tries
``start`` concurrent lines, doubling up to ``sessions``, then halves ``bisections`` times the
step between the last level that kept p99 under 50 ms and the first that did not; each level
runs for ``duration_s`` after a ramp-up.

Result keys: ``rows_unwritten`` (IVR rows still not written when the run ends: 0), ``sessions``
(the largest level tried whose p99 stayed under 50 ms with no call failing, 0 if none),
``p50_ms``, ``p99_ms`` (at that level), ``limit_ms``, ``database``, ``pace``, and
``levels``: per level tried ``sessions``, ``p50_ms``, ``p90_ms``, ``p99_ms``, ``max_ms``,
``commands``, ``commands_per_s``, ``calls``, ``calls_per_s``, ``failed_calls``,
``ivr_cpu_percent`` (CPU time of the IVR process over the level's wall time),
``rows_waiting_max`` (the most of the IVR's records and tickets, written behind in batches as a
node writes them, waiting for the database at once; the calls still on the line all close when the
level ends), ``ok``, and
``over_limit_before``: the commands most often preceded by a gap of 50 ms or more (``STREAM FILE
hotline/bill_balance-1`` follows the PIN check and the bill's reading, ``SET VARIABLE
CHANNEL(language)`` the caller's look-up; ``ANSWER`` and the rest only the event loop's turn).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

import structlog
from prometheus_client import CollectorRegistry

from bench.agi import BenchChannel
from bench.ivr_pace import STRESS_PACE, Pace, SoundLengths
from cti.agi.protocol import parse_command_line
from sim.agi.port import ChannelHungUp, PlaybackOutcome

__all__ = ["SCRIPTS", "Pace", "run"]

LIMIT_MS = 50.0


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    number: str  # "" = a caller the hotline does not know (a fresh number each call)
    keys: str  # one per digit wait


SCRIPTS: tuple[Script, ...] = (
    Script("agent", "", "0"),
    Script("knowledge", "13800000001", "110"),  # tariffs read out, then 0 at the menu
    Script("bill", "13800000001", "2123456#0"),  # PIN, bill read back, 0 at the bill menu
    Script("bill_en", "13800000005", "2567890#0"),
    Script("complaint_vip", "13800000003", "313"),  # ticket read back, senior queue
    Script("suggestion", "", "36"),
    Script("fault", "", "4110"),  # fault ticket and its time limit, 0 afterwards
)


@dataclass(frozen=True, slots=True)
class Window:
    """When (``time.perf_counter``) command gaps count, and where they go."""

    start: float
    end: float
    gaps: list[tuple[float, str]]  # seconds, and the command that ended the gap


class ScriptedLine(BenchChannel):
    """An in-memory answered channel (the AGI client's :class:`sim.agi.port.AgiChannel`) whose
    caller keys in from a script, timing the gaps between AGI commands; media takes the time
    ``pace`` says."""

    def __init__(
        self,
        n: int,
        script: Script,
        pace: Pace,
        rng: random.Random,
        window: Window,
        sounds: SoundLengths | None = None,
    ) -> None:
        super().__init__(n)
        self.name = f"Local/10000@from-pstn-{n:08x};2"
        self.callerid_num = script.number or f"139{rng.randrange(10**8):08d}"
        self.dnid = "10000"
        self.context, self.exten, self.priority = "hotline", "s", 4
        self.keys = deque(script.keys)
        self.pace = pace
        self.sounds = sounds or SoundLengths(pace)
        self.window = window
        self._answered_at = time.perf_counter()  # the first command's gap starts at the connection

    def publish_agi_exec(
        self,
        *,
        start: bool,
        command_id: int,
        command: str,
        result_code: int | None = None,
        result: str | None = None,
    ) -> None:
        now = time.perf_counter()
        if not start:
            self._answered_at = now
        elif self.window.start <= now < self.window.end:
            self.window.gaps.append((now - self._answered_at, _label(command)))

    async def _media(self, seconds: float) -> None:
        """Play or wait ``seconds``; the caller hanging up ends it (ChannelHungUp)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._hungup.wait()
        if self.hungup:
            raise ChannelHungUp(self.name)

    def set_variable(self, name: str, value: str) -> None:
        super().set_variable(name, value)
        if name == "CHANNEL(language)":
            self.language = value

    async def play(self, filename: str, escape_digits: str) -> PlaybackOutcome:
        seconds = self.sounds.file(filename, self.language)
        await self._media(seconds)
        return PlaybackOutcome(found=True, digit=None, endpos=round(seconds * 8000))

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        if not self.keys:
            await self._media(timeout_ms / 1000)
            return None
        await self._media(self.pace.think_s)
        return self.keys.popleft()

    async def say_digits(self, digits: str, escape_digits: str) -> str | None:
        await self._media(self.sounds.digits(digits, self.language))
        return None

    async def say_number(self, number: int, escape_digits: str, gender: str | None) -> str | None:
        await self._media(self.sounds.number(number, self.language))
        return None


def _label(command: str) -> str:
    """What a gap before ``command`` is attributed to: its words without numbers and escape digits."""
    words = parse_command_line(command)
    return " ".join(words[:2] if words[0].upper() == "SAY" else words[:3])


# -- the Asterisk side, in its own process --------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Load:
    port: int
    sessions: int
    duration_s: float
    ramp_s: float
    pace: Pace
    seed: int


def _drive(load: Load, conn: Connection) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    conn.send(asyncio.run(_drive_lines(load)))
    conn.close()


async def _drive_lines(load: Load) -> dict[str, Any]:
    from sim.agi.client import run_fastagi

    rng = random.Random(load.seed)
    url = f"agi://127.0.0.1:{load.port}/ivr"
    begin = time.perf_counter() + load.ramp_s
    window = Window(begin, begin + load.duration_s, [])
    counts = {"calls": 0, "failed_calls": 0}
    sounds = SoundLengths(load.pace)  # each rendered sound's length read once for all calls
    ids = iter(range(1, 10**9))
    live: set[ScriptedLine] = set()

    async def line(i: int) -> None:
        await asyncio.sleep(load.ramp_s * i / load.sessions)  # spread the first calls over the ramp-up
        while time.perf_counter() < window.end:
            channel = ScriptedLine(next(ids), rng.choice(SCRIPTS), load.pace, rng, window, sounds)
            live.add(channel)
            status = await run_fastagi(channel, url, [])
            live.discard(channel)
            if window.start <= time.perf_counter() < window.end:  # ended in the window
                counts["calls"] += 1
                counts["failed_calls"] += status != "SUCCESS"

    lines = asyncio.gather(*(line(i) for i in range(load.sessions)))
    await asyncio.sleep(window.end - time.perf_counter())
    for channel in list(live):  # time is up: every caller still on the line hangs up
        await channel.hangup()
    await lines
    return {"gaps": window.gaps, "elapsed_s": load.duration_s, **counts}


# -- the IVR side, in this process ------------------------------------------------------------------
def _cpu_seconds() -> float:
    """CPU time of this process (all its threads: argon2 and aiosqlite run in threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def _level(load: Load) -> dict[str, Any]:
    """Run one level with the Asterisk side in a child process; the figures of that level."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_drive, args=(load, send), name=f"ivr-bench-{load.sessions}")
    child.start()
    send.close()
    cpu_before = _cpu_seconds()
    try:
        outcome: dict[str, Any] = await asyncio.to_thread(receive.recv)
        cpu_s = _cpu_seconds() - cpu_before  # ramp-up and the calls' ends included
    finally:
        await asyncio.to_thread(child.join, 30)
        receive.close()
    gaps = sorted(gap for gap, _ in outcome["gaps"])
    slow = Counter(label for gap, label in outcome["gaps"] if gap * 1000 >= LIMIT_MS)
    elapsed = max(outcome["elapsed_s"], 1e-9)
    p99 = _percentile(gaps, 0.99) * 1000
    return {
        "sessions": load.sessions,
        "p50_ms": round(_percentile(gaps, 0.50) * 1000, 2),
        "p90_ms": round(_percentile(gaps, 0.90) * 1000, 2),
        "p99_ms": round(p99, 2),
        "max_ms": round((gaps[-1] if gaps else 0.0) * 1000, 2),
        "commands": len(gaps),
        "commands_per_s": round(len(gaps) / elapsed, 1),
        "calls": outcome["calls"],
        "calls_per_s": round(outcome["calls"] / elapsed, 2),
        "failed_calls": outcome["failed_calls"],
        "ivr_cpu_percent": round(100 * cpu_s / (load.ramp_s + load.duration_s), 1),
        "ok": bool(gaps) and p99 < LIMIT_MS and outcome["failed_calls"] == 0,
        "over_limit_before": dict(slow.most_common(5)),
    }


async def run(
    sessions: int = 1600,
    duration_s: float = 10.0,
    *,
    start: int = 50,
    database_url: str | None = None,
    pace: Pace = STRESS_PACE,
    bisections: int = 2,
    ramp_s: float | None = None,
    progress: IO[str] | None = None,
) -> dict[str, Any]:
    """Find how many concurrent IVR calls (at most ``sessions``) keep p99 under 50 ms; each
    level's first calls start over ``ramp_s`` (default: a quarter of ``duration_s``, at most 2 s;
    at the pace of rendered prompts a call lasts a minute or more, so spread them over as long)."""
    ramp = min(2.0, duration_s / 4) if ramp_s is None else ramp_s
    out = sys.stderr if progress is None else progress
    quiet = not structlog.is_configured()
    if quiet:  # a log line per call would measure the console, not the IVR
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        with tempfile.TemporaryDirectory(prefix="hotline-ivr-bench-") as tmp:
            url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
            return await _run(url, sessions, duration_s, ramp, start, pace, bisections, out)
    finally:
        if quiet:
            structlog.reset_defaults()


async def _run(
    url: str,
    most: int,
    duration_s: float,
    ramp_s: float,
    start: int,
    pace: Pace,
    bisections: int,
    out: IO[str],
) -> dict[str, Any]:
    from cti.agi.server import FastAgiServer
    from demo.data import seed_demo_data
    from ivr.actions.catalogue import VOCABULARY
    from ivr.handler import build_ivr_handler
    from ivr.menu_loader import load_menu
    from ivr.row_writer import running_row_writer
    from ivr.settings import IvrSettings
    from node.heap import settle_heap
    from node.root import DEFAULT_MENU
    from storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
    from storage.settings import StorageSettings

    engine = create_engine_from_settings(StorageSettings(url=url))
    thresholds = gc.get_threshold()
    settle_here = gc.get_freeze_count() == 0  # else the process settled its heap itself (a test run)
    try:
        await drop_schema(engine)
        await create_schema(engine)
        sessions = session_factory(engine)
        async with sessions() as db:
            await seed_demo_data(db, datetime.now(UTC).date())
            await db.commit()
        menu = load_menu(DEFAULT_MENU, VOCABULARY)
        # the IVR's rows written behind, in batches, as a node writes them (node.root)
        async with running_row_writer(sessions) as rows:
            handler = build_ivr_handler(sessions, menu, IvrSettings(), rows=rows)
            server = FastAgiServer(
                {"ivr": handler},
                port=0,
                max_sessions=most + 100,
                registry=CollectorRegistry(),
                drain_timeout_s=2,
            )
            levels: list[dict[str, Any]] = []
            if settle_here:  # as hotline serve does once its node has started (undone at the end)
                settle_heap()

            async def passes(n: int) -> bool:
                peak = 0

                async def watch_rows() -> None:
                    nonlocal peak
                    while True:
                        peak = max(peak, len(rows))
                        await asyncio.sleep(0.1)

                watcher = asyncio.create_task(watch_rows())
                try:
                    level = await _level(Load(server.port, n, duration_s, ramp_s, pace, seed=n))
                finally:
                    watcher.cancel()
                level["rows_waiting_max"] = peak  # IVR rows waiting to be written, the most at once
                levels.append(level)
                print(
                    f"ivr bench: {n:5d} lines  p50 {level['p50_ms']:7.2f} ms  p99 {level['p99_ms']:7.2f} ms  "
                    f"{level['commands_per_s']:8.1f} commands/s  {level['calls_per_s']:6.2f} calls/s  "
                    f"failed {level['failed_calls']}  {'ok' if level['ok'] else 'over the limit'}",
                    file=out,
                    flush=True,
                )
                return bool(level["ok"])

            async with server:
                holds, breaks, n = 0, 0, min(start, most)
                while True:  # double while it holds
                    if not await passes(n):
                        breaks = n
                        break
                    holds = n
                    if n >= most:
                        break
                    n = min(most, n * 2)
                for _ in range(bisections):  # then narrow the step where it stopped holding
                    middle = (holds + breaks) // 2
                    if not breaks or middle <= holds:
                        break
                    if await passes(middle):
                        holds = middle
                    else:
                        breaks = middle
        unwritten = len(rows)  # after the writer's last flush: what could not be written (0)
    finally:
        if settle_here:  # the calling process's collector as it was (a test run, say)
            gc.unfreeze()
            gc.set_threshold(*thresholds)
        await engine.dispose()
    best = max((lv for lv in levels if lv["ok"]), key=lambda lv: lv["sessions"], default=None)
    return {
        "sessions": best["sessions"] if best else 0,
        "p50_ms": best["p50_ms"] if best else None,
        "p99_ms": best["p99_ms"] if best else None,
        "limit_ms": LIMIT_MS,
        "duration_s": duration_s,
        "ramp_s": ramp_s,
        "database": url.split(":", 1)[0],
        "pace": asdict(pace),
        "levels": sorted(levels, key=lambda lv: lv["sessions"]),
        "rows_unwritten": unwritten,
    }
