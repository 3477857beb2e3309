"""The soak bench, two minutes of it (``hotline bench soak``; the 30-minute figures are in the README)."""

from __future__ import annotations

import math
from collections import deque
from pathlib import Path
from statistics import NormalDist

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from acd.agent_state import AgentState, AgentStatus
from acd.events import AgentStateChanged, CallAbandoned, CallEnded, CallOffered, CallQueued, CallRemoved
from acd.model import Agent, AgentLevel, Segment, Skill, SkillRequirement, WaitingCall
from bench.soak import Soak, memory_slope, run
from bench.soak_errors import IVR_RECORD_LOST, ErrorsLogged
from bench.soak_memory import NodeHeld
from bench.soak_trace import TracedGrowth
from bench.soak_watch import ENDS_KEPT_S, Watch
from demo.traffic import DemoOptions, demo_scenario
from sim.distributions import LogNormal
from storage.ivr_records import IvrSession
from tests.support.databases import own_postgres_database  # noqa: F401


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_two_minutes_of_traffic_lose_no_call_and_report_over_time(tmp_path: Path) -> None:
    soak = Soak(minutes=2.0, agents=40, rate_per_min=40.0, speed=4.0, sample_every_s=10.0, prompts=False)
    result = await run(soak, tmp_path)
    assert result["calls"] >= 200
    assert result["queued_to_acd"] > 0 and result["answered"] > 0
    lost = {k: v for k, v in result.items() if k != "samples"}
    assert result["lost_calls"] == 0, lost
    assert result["stuck_agents"] == 0
    samples = result["samples"]
    assert len(samples) >= 10
    keys = ("rss_mb", "python_blocks_k", "sqlite_mb", "loop_lag_p99_ms", "ivr_p99_ms", "routing_p99_ms")
    for key in (*keys, "active_calls"):
        assert key in samples[0]
    assert any(s["ivr_commands"] > 0 for s in samples)
    assert result["max_active_calls"] >= 10
    # memory does not run away in two minutes (the 30-minute run is the real check)
    assert result["rss_growth_mb"] < 100
    assert result["rss_slope_mb_per_10min"] is not None and result["warmup_s"] == 30.0
    assert result["rss_slope_second_half_mb_per_10min"] is not None
    assert result["rss_mb_after_drain"] > 0


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_a_soak_can_hold_the_calls_in_progress_instead_of_drawing_arrivals(tmp_path: Path) -> None:
    soak = Soak(minutes=0.75, agents=12, concurrent_calls=20, speed=8.0, sample_every_s=3.0, prompts=False,
                walk_node=False)  # fmt: skip
    result = await run(soak, tmp_path)
    assert result["lost_calls"] == 0, {k: v for k, v in result.items() if k != "samples"}
    held = [s["active_calls"] for s in result["samples"] if 20.0 <= s["t_s"] <= 45.0]  # after the ramp
    assert held and max(held) == 20 and min(held) >= 18, held  # a call replaced within a turn of the loop
    assert result["calls"] > 20  # calls that ended were replaced


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(600)
async def test_the_soak_runs_on_postgresql(tmp_path: Path, own_postgres_database: str) -> None:  # noqa: F811
    # as production stores: no SQLite page caches in the process's memory
    soak = Soak(minutes=0.5, agents=20, rate_per_min=40.0, speed=4.0, sample_every_s=5.0, prompts=False,
                drain_s=180.0, walk_node=False, database_url=own_postgres_database)  # fmt: skip
    result = await run(soak, tmp_path)
    assert result["calls"] >= 50 and result["answered"] > 0
    assert result["lost_calls"] == 0, {k: v for k, v in result.items() if k != "samples"}
    assert not (tmp_path / "demo.sqlite3").exists()
    engine = create_async_engine(own_postgres_database)
    try:
        async with engine.connect() as db:
            sessions = (await db.execute(select(func.count()).select_from(IvrSession))).scalar_one()
    finally:
        await engine.dispose()
    assert sessions >= result["calls"] // 2  # the IVR's call records went to PostgreSQL


def test_the_default_drain_outlasts_the_demo_agents_talk_times() -> None:
    """A call still talking with its agent when the drain ends is counted lost: the drain must
    outlast all but one in a million of the demo's talk times (and the wait before them)."""
    talk = next(p.talk for p in demo_scenario(DemoOptions(), ["2000"]).phones if p.kind == "agent")
    assert isinstance(talk, LogNormal)
    sigma = math.sqrt(math.log(1 + (talk.sd_s / talk.mean_s) ** 2))
    mu = math.log(talk.mean_s) - sigma**2 / 2
    one_in_a_million = math.exp(NormalDist(mu, sigma).inv_cdf(1 - 1e-6))
    assert Soak().drain_s > one_in_a_million + 120


def test_the_memory_slope_is_fitted_after_the_warm_up() -> None:
    climbing = [{"t_s": t, "rss_mb": 150.0 + t / 60} for t in range(0, 1800, 30)]  # 1 MB a minute
    assert memory_slope(climbing, 300.0) == 10.0
    warm_then_flat = [
        {"t_s": t, "rss_mb": 100.0 + min(t, 300) / 3 + (t // 30) % 2} for t in range(0, 1800, 30)
    ]
    slope = memory_slope(warm_then_flat, 300.0)
    assert slope is not None and abs(slope) < 0.1  # the warm-up's climb and the jitter leave no slope
    assert memory_slope(climbing[:2], 0.0) is None


class _Part:
    def __init__(self) -> None:
        self.calls: dict[str, list[str]] = {}
        self.recent: deque[int] = deque(maxlen=30)


class _Node:
    def __init__(self, listener: object) -> None:
        self.acd = _Part()
        self.listeners = [listener]


def test_the_node_walk_names_the_containers_that_grew_with_the_calls() -> None:
    bench_own = _Part()
    node = _Node(bench_own)
    held = NodeHeld(node, skip=(bench_own,))
    held.start()
    for n in range(100):
        node.acd.calls[f"call-{n}"] = ["queued", "ended"]  # never pruned
        node.acd.recent.append(n)  # bounded
        bench_own.calls[f"call-{n}"] = []  # the bench's own, not the node's
    report = held.report(calls_between=100)
    assert report["grew"] == ["node.acd.calls (dict): 0 -> 100", "node.acd.recent (deque): 0 -> 30"]
    assert report["most_items_gained"] == 100 and report["calls_between"] == 100


def test_traced_growth_names_the_line_that_kept_memory() -> None:
    traced = TracedGrowth()
    traced.start()
    kept = [f"call-{n}" * 10 for n in range(20_000)]  # about 2 MB kept past the report
    report = traced.report(top=3)
    assert len(kept) == 20_000
    assert report and report[0].startswith("+")
    assert report[0].split(": ", 1)[1].startswith(f"{__file__}:")  # the allocating line first
    assert not traced.report()  # one report: tracing stopped


def _call(uid: str) -> WaitingCall:
    return WaitingCall(uid, SkillRequirement("billing"), Segment.NORMAL, "chengdu", enqueued_at=0.0)


def test_the_soaks_watch_finds_calls_not_ended_once_and_forgets_those_that_were(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("bench.soak_watch.time.perf_counter", lambda: clock[0])
    watch = Watch()

    for i in range(1000):  # the calls of a long run, each queued and ended once
        watch.on_event(CallQueued(0.0, _call(f"ok{i}"), 0.0))
        watch.on_event(CallEnded(0.0, _call(f"ok{i}"), "a1", 60.0))
        clock[0] += 1.0
    watch.on_event(CallQueued(0.0, _call("twice"), 0.0))
    watch.on_event(CallAbandoned(0.0, _call("twice"), 5.0, False))
    watch.on_event(CallRemoved(0.0, _call("twice")))
    watch.on_event(CallQueued(0.0, _call("never"), 0.0))
    assert watch.queued == 1002
    assert watch.not_ended_once == ["never", "twice"]
    assert watch.story["twice"] == ["CallRemoved"]
    # what it keeps does not grow with the calls: ended ones are forgotten after ENDS_KEPT_S
    assert len(watch.recently_ended) <= ENDS_KEPT_S + 1 and len(watch.open) == 1
    assert not any(uid.startswith("ok") for uid in watch.story)


def test_the_soak_counts_the_errors_logged_by_event() -> None:
    errors = ErrorsLogged()
    for method, event in [("error", "ivr.record_not_opened"), ("error", "ivr.record_not_opened"),
                          ("exception", "ivr.failed"), ("warning", "ivr.ids_not_reserved")]:  # fmt: skip
        assert errors(None, method, {"event": event}) == {"event": event}
    assert errors.events == {"ivr.record_not_opened": 2, "ivr.failed": 1}
    assert "ivr.record_not_opened" in IVR_RECORD_LOST and "ivr.record_not_saved" in IVR_RECORD_LOST


def test_the_soaks_watch_describes_an_offer_made_long_after_it_could_have_been(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("bench.soak_watch.time.perf_counter", lambda: clock[0])
    watch = Watch()
    agent = Agent("agent-1001", "1001", "chengdu", AgentLevel.JUNIOR, (Skill("billing"),))
    available = AgentStatus(AgentState.AVAILABLE, 0.0)

    watch.on_event(CallQueued(0.0, _call("quick"), 0.0))
    clock[0] += 0.2
    watch.on_event(AgentStateChanged(0.0, agent, AgentState.WRAP_UP, available))
    watch.on_event(CallOffered(0.0, _call("quick"), agent.id))  # at once: not described
    watch.on_event(CallQueued(0.0, _call("slow"), 0.0))
    clock[0] += 1.0
    watch.on_event(AgentStateChanged(0.0, agent, AgentState.WRAP_UP, available))
    clock[0] += 2.5
    watch.on_event(CallOffered(0.0, _call("slow"), agent.id))  # 2.5 s after both could meet
    assert watch.routing == pytest.approx([0.0, 2.5])
    assert watch.slow_offers == [
        {
            "t_s": 3.7,
            "entry": "slow",
            "kind": "WaitingCall",
            "agent": "agent-1001",
            "agent_level": "junior",
            "call_min_level": "junior",
            "call_waiting_s": 3.5,
            "agent_available_s": 2.5,
            "story": ["CallQueued", "CallOffered"],
        }
    ]
