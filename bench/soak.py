"""Soak: sustained hotline traffic for a long time, watched for leaks, lag and lost calls.

One process runs the simulated Asterisk and a CTI node built by the composition root (IVR, ACD,
reports, workflow; SQLite, or the database ``database_url`` names) with the demo's data and the
demo's caller mix (bill queries with a PIN, complaints, fault reports, consultations, straight to
an agent, wrong PINs: IVR first, then the ACD), ``agents`` agents logged in (the demo's twenty
as templates) and callers arriving at ``rate_per_min`` (Poisson) for ``minutes`` real minutes — or,
with ``concurrent_calls``, that many calls held in progress for as long (each call that ends is
replaced at once, so the calls in progress have no peak above their mean for the memory to
follow).  The simulator runs at ``speed``; the ACD on its clock.

Every ``sample_every_s`` real seconds a sample is printed on stderr and kept: calls in progress
(and with an agent), the process's RSS and the number of memory blocks Python has allocated
(``python_blocks_k``, thousands: what the objects alive hold, without the allocator's free
pages the RSS may keep), the event loop's lag (p99 and worst of a 20 ms probe),
the IVR's p99 think time (``hotline_agi_think_seconds``: from an AGI reply to the session's next
command; the upper bound of its histogram bucket) and the p99 routing latency (real time from the
moment a call could be matched — queued, or its agent available — to its offer).  After the
traffic the calls drain and the result says what was lost: ``lost_calls`` counts the calls the
ACD queued that did not end exactly once, calls the ACD still holds, and callers still on the
line; ``stuck_agents`` the agents not available at the end.  ``rss_growth_mb`` compares the
median RSS of the second half of the run with that of its second quarter (after warm-up);
``rss_slope_mb_per_10min`` is the least-squares slope of the RSS samples after the warm-up (the
first five minutes, or the first quarter of a shorter run), and ``memory_flat`` says whether it is
at most ``flat_mb_per_10min``.  The simulator shares the process: it is run keeping no ended
calls (``SimulatorConfig.keep_ended_calls``), so what it holds is the calls in progress, and what
grows with the calls placed is the node's (the soak's own watch, ``bench/soak_watch.py``, keeps
only the calls in progress and those ended in the last ten minutes).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, cast

import structlog
from prometheus_client import CollectorRegistry

from acd.agent_state import AgentState
from bench.hotline_calls import SHIPPED_DIALPLAN
from bench.soak_errors import IVR_RECORD_LOST, ErrorsLogged
from bench.soak_memory import NodeHeld
from bench.soak_trace import TracedGrowth
from bench.soak_watch import Watch
from cti.agi.metrics import THINK_BUCKETS
from demo.agents import DEMO_AGENTS
from demo.run import demo_settings, ensure_prompts, prepare_database
from demo.traffic import DemoOptions, demo_scenario
from node.heap import rss_bytes
from node.root import Node, Parts, running_node
from sim.ami.server import AmiUser
from sim.main import Simulator, SimulatorConfig
from sim.scenario import Scenario
from storage.agents import upsert_agent
from storage.db import create_engine_from_settings, session_factory

__all__ = ["Soak", "memory_slope", "run"]

LAG_PROBE_S = 0.02
WARMUP_S = 300.0  # the memory slope leaves out the first five minutes (or the first quarter)
RAMP_S = 60.0  # held calls: the first ones are placed over a minute (or half the warm-up), not at once
FIRST_EXTENSION = 2000


@dataclass(frozen=True)
class Soak:
    minutes: float = 30.0  # real minutes of arrivals
    agents: int = 300
    rate_per_min: float = 120.0  # arrivals per simulated minute (Poisson)
    # or, when above 0, this many calls held in progress: each call that ends is replaced at once
    # (Simulator.hold_traffic), so the peak is the mean and memory has no new peak to follow
    concurrent_calls: int = 0
    speed: float = 1.0
    sample_every_s: float = 10.0
    seed: int = 1
    # real seconds the calls get to end after the arrivals stop (the drain ends when they have):
    # the demo's talk times (log-normal, mean 150 s, sd 80 s) pass 10 minutes about once in 800
    # calls, so a shorter bound counted a call still talking as lost; they pass 30 minutes once in
    # about 10 million
    drain_s: float = 1800.0
    prompts: bool = True  # render the prompts (espeak-ng) so playback takes its time
    flat_mb_per_10min: float = 2.0  # memory is flat when RSS grows no faster than this after warm-up
    walk_node: bool = True  # which of the node's containers grew, warm-up to drain (bench/soak_memory.py)
    database_url: str = ""  # another database than SQLite in the work folder (its tables are dropped first)
    trace_memory: bool = False  # the allocation sites that grew, warm-up to drain (bench/soak_trace.py)


def _rss_mb() -> float:
    return rss_bytes() / 2**20


def _sqlite_memory() -> Callable[[], int] | None:
    """SQLite's own count of the memory it holds (its page caches: up to 2 MB per connection by
    default), when the library Python's ``sqlite3`` uses can be loaded by name."""
    try:
        library = ctypes.CDLL("libsqlite3.so.0")  # the Debian build's (Python's _sqlite3 links to it)
    except OSError:
        return None
    used = library.sqlite3_memory_used
    used.restype = ctypes.c_int64
    return cast(Callable[[], int], used)


SQLITE_MEMORY = _sqlite_memory()


def _p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


class _ThinkTime:
    """p99 of ``hotline_agi_think_seconds`` since the last reading (a bucket's upper bound)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry
        self._last = self._counts()

    def _counts(self) -> list[float]:
        return [
            self._registry.get_sample_value("hotline_agi_think_seconds_bucket", {"le": str(float(b))}) or 0.0
            for b in THINK_BUCKETS
        ] + [self._registry.get_sample_value("hotline_agi_think_seconds_count") or 0.0]

    def p99_ms(self) -> tuple[float | None, int]:
        now = self._counts()
        delta = [n - o for n, o in zip(now, self._last, strict=True)]
        self._last = now
        total = delta[-1]
        if total <= 0:
            return None, 0
        for bound, count in zip(THINK_BUCKETS, delta, strict=False):
            if count >= 0.99 * total:
                return bound * 1000, int(total)
        return float("inf"), int(total)


async def _probe_lag(watch: Watch) -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(LAG_PROBE_S)
        watch.lags.append(max(0.0, loop.time() - before - LAG_PROBE_S))


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def _add_agents(settings: Any, count: int) -> list[str]:
    """``count`` agents (extensions from 2000), the demo's twenty as templates; their ids."""
    engine = create_engine_from_settings(settings.storage)
    ids: list[str] = []
    try:
        async with session_factory(engine)() as db:
            for i in range(count):
                template = DEMO_AGENTS[i % len(DEMO_AGENTS)]
                agent = replace(template, extension=str(FIRST_EXTENSION + i), name=f"{template.name} {i}")
                await upsert_agent(db, agent.to_agent(), agent.name)
                ids.append(agent.agent_id)
            await db.commit()
    finally:
        await engine.dispose()
    return ids


async def _sample(
    started: float, sim: Simulator, node: Node, watch: Watch, think: _ThinkTime
) -> dict[str, Any]:
    active = [c.record for c in sim.callers if c.record is not None and c.record.ended_at is None]
    ivr_p99, ivr_commands = think.p99_ms()
    lags, routing = watch.lags, watch.routing
    watch.lags, watch.routing = [], []
    return {
        "t_s": round(time.perf_counter() - started, 1),
        "calls": sim.placed,
        "active_calls": len(active),
        "with_agent": sum(1 for r in active if r.connected_at is not None),
        "agi_sessions": node.agi.active_sessions,
        "rss_mb": round(_rss_mb(), 1),
        "python_blocks_k": round(sys.getallocatedblocks() / 1000, 1),
        "sqlite_mb": round(SQLITE_MEMORY() / 2**20, 1) if SQLITE_MEMORY is not None else None,
        "loop_lag_p99_ms": round(_p99(lags) * 1000, 2),
        "loop_lag_max_ms": round(max(lags, default=0.0) * 1000, 2),
        "ivr_p99_ms": ivr_p99,
        "ivr_commands": ivr_commands,
        "routing_p99_ms": round(_p99(routing) * 1000, 2),
        "offers": len(routing),
    }


def _progress(s: dict[str, Any]) -> None:
    _say(
        f"[soak] t={s['t_s'] / 60:5.1f} min  calls {s['calls']:6d}  active {s['active_calls']:4d}  "
        f"with agent {s['with_agent']:4d}  rss {s['rss_mb']:6.1f} MB  "
        f"lag p99 {s['loop_lag_p99_ms']:6.2f} ms  "
        f"ivr p99 <= {s['ivr_p99_ms']} ms  routing p99 {s['routing_p99_ms']:6.2f} ms"
    )


async def _settle(node: Node, timeout_s: float) -> tuple[int, list[str]]:
    """Wait until the ACD holds no call and every agent is available; (calls held, stuck agents)."""
    assert node.acd is not None
    store = node.acd.service.store
    deadline = time.perf_counter() + timeout_s
    while True:
        held = len(await store.calls())
        statuses = await store.statuses()
        # logged out is where an agent may rest (the directory's agents the soak does not log in)
        resting = (AgentState.AVAILABLE, AgentState.LOGGED_OUT)
        stuck = sorted(f"{s.state}:{s.reason or ''}" for s in statuses.values() if s.state not in resting)
        if (held == 0 and not stuck) or time.perf_counter() > deadline:
            return held, stuck
        await asyncio.sleep(0.2)


async def run(soak: Soak, workdir: Path | None = None) -> dict[str, Any]:
    """Run the soak (see the module docstring); its figures."""
    before = structlog.get_config()  # given back afterwards: run() is also called in-process by the tests
    errors = ErrorsLogged()
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
        processors=[errors, *before["processors"]],
    )
    try:
        with tempfile.TemporaryDirectory(prefix="hotline-soak-") as tmp:
            result = await _run(soak, workdir or Path(tmp))
    finally:
        structlog.configure(**before)
    result["ivr_records_lost"] = sum(errors.events[event] for event in IVR_RECORD_LOST)
    result["errors_logged"] = dict(errors.events.most_common())
    return result


async def _run(soak: Soak, workdir: Path) -> dict[str, Any]:
    offline = demo_settings(workdir, ami_port=5038, storage_url=soak.database_url)
    await prepare_database(offline)
    agent_ids = await _add_agents(offline, soak.agents)
    prompts = await ensure_prompts(offline) if soak.prompts else None
    config = SimulatorConfig(
        dialplan=SHIPPED_DIALPLAN,
        ami_port=0,
        users=[AmiUser.build("hotline", "hotline-demo")],
        speed=soak.speed,
        spool_dir=workdir / "spool",
        seed=soak.seed,
        globals={"RECORD_CALLS": "no"},
        sounds=[prompts] if prompts is not None else [],
        keep_ended_calls=False,  # the simulator shares the process: its history would be measured
    )
    registry = CollectorRegistry()
    watch = Watch()
    samples: list[dict[str, Any]] = []
    async with Simulator(config) as sim:
        settings = demo_settings(workdir, sim.ami_port, storage_url=soak.database_url)
        parts = Parts(api=False, recordings=False, acd_clock=sim.clock, acd_tick_every_s=0.05)
        async with running_node(settings, parts=parts, registry=registry, create_tables=False) as node:
            assert node.acd is not None
            sim.pbx.agi_override = f"127.0.0.1:{node.agi.port}"
            await node.ami.wait_connected(timeout_s=10)
            for agent_id in agent_ids:
                await node.acd.login(agent_id)
            node.acd.subscribe(watch.on_event)
            options = DemoOptions(
                soak.minutes * soak.speed, soak.agents, soak.rate_per_min, soak.seed, soak.speed
            )
            extensions = [str(FIRST_EXTENSION + i) for i in range(soak.agents)]
            scenario = demo_scenario(options, extensions)
            load = (
                f"{soak.concurrent_calls} calls held in progress"
                if soak.concurrent_calls > 0
                else f"{soak.rate_per_min:g} calls/min"
            )
            _say(
                f"hotline bench soak: {soak.minutes:g} min at {soak.speed:g}x, {load}, "
                f"{soak.agents} agents, seed {soak.seed}"
            )
            for profile in scenario.phones:
                sim.add_phone(profile)
            started = time.perf_counter()
            watch.started = started  # its slow offers' times on the samples' clock
            think = _ThinkTime(registry)
            lag = asyncio.create_task(_probe_lag(watch), name="soak lag probe")
            traffic = asyncio.create_task(_traffic(soak, sim, scenario), name="soak traffic")
            limit = started + soak.minutes * 60 + soak.drain_s
            held, walked_from = NodeHeld(node, skip=(watch,)), 0
            traced = TracedGrowth()
            try:
                while not traffic.done() and time.perf_counter() < limit:
                    await asyncio.wait([traffic], timeout=soak.sample_every_s)
                    samples.append(await _sample(started, sim, node, watch, think))
                    _progress(samples[-1])
                    # halfway through the warm-up: the walk's own garbage raises the RSS once (about
                    # 15 MB with 220 calls in progress), which the slope after the warm-up leaves out
                    if soak.walk_node and not held.started and samples[-1]["t_s"] >= _warmup_s(soak) / 2:
                        held.start()
                        walked_from = sim.placed
                    if soak.trace_memory and not traced.started and samples[-1]["t_s"] >= _warmup_s(soak):
                        traced.start()
            finally:
                lag.cancel()
                if not traffic.done():
                    traffic.cancel()
                await asyncio.gather(lag, traffic, return_exceptions=True)
            still_held, stuck = await _settle(node, timeout_s=60.0)
            rss_after_drain = round(_rss_mb(), 1)
            node_grew = held.report(sim.placed - walked_from)
            allocations_grown = traced.report()
            on_line = sum(1 for c in sim.callers if c.record is not None and c.record.ended_at is None)
            calls = _Calls(sim.placed, sim.ended.answered, sim.ended.abandoned, on_line)
    badly_ended = watch.not_ended_once
    result = _result(soak, samples, calls, watch, badly_ended, still_held, stuck, rss_after_drain)
    if node_grew:
        result["node_containers_grown"] = node_grew
    if allocations_grown:
        result["allocations_grown"] = allocations_grown
    return result


async def _traffic(soak: Soak, sim: Simulator, scenario: Scenario) -> None:
    if soak.concurrent_calls > 0:
        simulated_s = soak.minutes * 60 * soak.speed
        ramp_s = min(RAMP_S, _warmup_s(soak) / 2) * soak.speed
        await sim.hold_traffic(scenario, soak.concurrent_calls, simulated_s, ramp_s=ramp_s)
    else:
        await sim.run_traffic(scenario)


def _warmup_s(soak: Soak) -> float:
    return min(WARMUP_S, soak.minutes * 60 / 4)


@dataclass(frozen=True)
class _Calls:
    placed: int
    answered: int
    abandoned: int
    on_line: int  # callers still on the line after the drain


def memory_slope(samples: list[dict[str, Any]], warmup_s: float, key: str = "rss_mb") -> float | None:
    """Growth of ``key`` in MB per 10 minutes after ``warmup_s``: the least-squares slope of the samples."""
    points = [(s["t_s"], s[key]) for s in samples if s["t_s"] >= warmup_s and s.get(key) is not None]
    if len(points) < 3:
        return None
    slope = statistics.linear_regression([t for t, _ in points], [r for _, r in points]).slope
    return round(slope * 600, 2)


def _result(
    soak: Soak,
    samples: list[dict[str, Any]],
    calls: _Calls,
    watch: Watch,
    badly_ended: list[str],
    held: int,
    stuck: list[str],
    rss_after_drain: float,
) -> dict[str, Any]:
    during = [s for s in samples if s["t_s"] <= soak.minutes * 60]
    warmup_s = _warmup_s(soak)
    slope = memory_slope(during, warmup_s)
    rss = [s["rss_mb"] for s in during]
    quarter = max(1, len(rss) // 4)
    early, late = rss[quarter : 2 * quarter] or rss[:1], rss[2 * quarter :] or rss[-1:]
    ivr = [s["ivr_p99_ms"] for s in during if s["ivr_p99_ms"] is not None]
    return {
        "settings": asdict(soak),
        "calls": calls.placed,
        "answered": calls.answered,
        "abandoned": calls.abandoned,
        "queued_to_acd": watch.queued,
        "offers": watch.offers,
        "max_active_calls": max((s["active_calls"] for s in during), default=0),
        "mean_active_calls": round(statistics.fmean([s["active_calls"] for s in during]), 1) if during else 0,
        "lost_calls": len(badly_ended) + held + calls.on_line,
        "calls_not_ended_once": len(badly_ended),
        "not_ended_once": {uid: watch.story.get(uid, []) for uid in badly_ended[:10]},
        "slow_offers": watch.slow_offers,
        "calls_held_by_acd_after_drain": held,
        "callers_still_on_line": calls.on_line,
        "stuck_agents": len(stuck),
        "stuck_agents_by_state": dict(Counter(stuck)),
        "rss_mb_start": rss[0] if rss else None,
        "rss_mb_end": rss[-1] if rss else None,
        "rss_growth_mb": round(statistics.median(late) - statistics.median(early), 1) if rss else None,
        "rss_mb_after_drain": rss_after_drain,
        "warmup_s": warmup_s,
        "rss_slope_mb_per_10min": slope,
        # bounded caches (statements prepared per pooled connection) fill over the first half
        # hour and then stop, a leak keeps its slope: the second half's slope tells them apart
        "rss_slope_second_half_mb_per_10min": memory_slope(during, soak.minutes * 30),
        "sqlite_slope_mb_per_10min": memory_slope(during, warmup_s, "sqlite_mb"),
        "python_blocks_slope_k_per_10min": memory_slope(during, warmup_s, "python_blocks_k"),
        "memory_flat": slope is not None and slope <= soak.flat_mb_per_10min,
        "memory_flat_criterion": f"RSS slope after warm-up <= {soak.flat_mb_per_10min:g} MB per 10 min",
        "loop_lag_p99_ms_worst": max((s["loop_lag_p99_ms"] for s in during), default=0.0),
        "loop_lag_max_ms": max((s["loop_lag_max_ms"] for s in during), default=0.0),
        "ivr_p99_ms_worst": max(ivr, default=None),
        "routing_p99_ms_worst": max((s["routing_p99_ms"] for s in during), default=0.0),
        "samples": samples,
    }
