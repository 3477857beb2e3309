"""``hotline bench day``: a simulated hotline day through the whole ACD, next to Erlang C.

**Single skill** (:class:`Day`): Poisson arrivals at ``arrival_per_hour`` for ``hours``,
exponential handle times of mean ``handle_time_s``, one skill, ``agents`` agents who answer at
once and have no wrap-up, callers who never hang up — the assumptions of Erlang C, so the
measured service level (answered within ``threshold_s``), ASA and abandonment can be put next to
Erlang C's for the same load.  The very same calls are also run through an ideal zero-overhead
FCFS queue (:func:`bench.erlang.ideal_fcfs`): the gap between it and Erlang C is the luck of one
day's calls; the gap between us and it is what the ACD and the telephony cost.

**Multi-skill mix** (:class:`Mix`): the twenty demo agents (:mod:`demo.agents`), the
demo's kinds of calls that reach an agent (complaints — VIP and private-line ones need a senior —,
fault reports, consultations, bills, general, a few English speakers, a few emergencies — lost
phones the IVR could not suspend) from six prefectures, with the shipped routing rules, rings of
1-4 s, 10 s of wrap-up and callers with a patience; the VIP/private-line service level is reported
separately (target: 95 % within 10 s), and so are who answered VIP/private-line complaints, by
level (seed 000: a senior, never a junior) and the longest wait of an emergency.

Everything runs in this process on the simulator (:mod:`bench.sim_hotline`) at ``speed`` times
real time; the ACD reads the simulator's clock, so every figure is in simulated seconds.  The
calls' arrival and handle times are drawn from ``seed`` before the run.  Compressed time has a
price: a wait ends when the node has heard the agent answer, and every real millisecond the
Redirect, the dialplan, the ``Dial`` and the AMI events take is ``speed`` simulated milliseconds
(about 15 ms of real time per connection, so 2 s simulated at speed 150): the ASA is above the
ideal queue's mostly by that.  Service levels count every abandoned call
(``answered within T / (answered + abandoned)``, as the wallboard does);
``service_level_short_abandons_excluded`` leaves out callers who gave up within ``T``.
"""

from __future__ import annotations

import asyncio
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from acd.events import AcdEvent, CallAbandoned, CallAnswered, CallEnded
from acd.model import Agent, AgentLevel, Segment, Skill
from bench.erlang import erlang_c_asa, erlang_c_service_level, ideal_fcfs
from bench.hotline_calls import Line
from bench.sim_hotline import SimulatedHotline, simulated_hotline
from demo.agents import DEMO_AGENTS
from node.logs import LogSettings, configure_logging
from sim.distributions import Fixed, LogNormal, Uniform
from sim.phones import PhoneProfile

__all__ = ["Day", "Mix", "run"]


@dataclass(frozen=True)
class Day:
    hours: float = 4.0
    arrival_per_hour: float = 165.0
    handle_time_s: float = 120.0
    agents: int = 10
    threshold_s: float = 20.0
    speed: float = 150.0
    seed: int = 1


@dataclass(frozen=True)
class Mix:
    hours: float = 2.0
    arrival_per_hour: float = 240.0
    vip_threshold_s: float = 10.0
    threshold_s: float = 20.0
    speed: float = 100.0
    seed: int = 1
    rules_file: Path | None = None  # the ACD's routing rules (default: the shipped acd/rules.yaml)


@dataclass(frozen=True)
class PlannedCall:
    at_s: float
    exten: str
    handle_s: float
    patience_s: float | None
    number: str


def run(
    day: Day | None = Day(),
    mix: Mix | None = Mix(),
    *,
    progress: bool = True,
    quiet: bool = True,
) -> dict[str, Any]:
    """The single-skill day and the multi-skill mix with the shipped rules; ``day`` or ``mix``
    None skips it.  JSON-ready figures.
    ``quiet`` logs warnings only (the calls' own log lines would drown the progress)."""
    if quiet:
        configure_logging(LogSettings(level="WARNING"))
    return asyncio.run(_run(day, mix, progress))


async def _run(day: Day | None, mix: Mix | None, progress: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hotline-bench-day-") as tmp:
        if day is not None:
            result.update(await single_skill(day, Path(tmp) / "single", progress))
        if mix is not None:
            result["multi_skill"] = await multi_skill(mix, Path(tmp) / "mix", progress)
    return result


# -- single skill -------------------------------------------------------------------------------
async def single_skill(day: Day, workdir: Path, progress: bool) -> dict[str, Any]:
    rng = random.Random(f"bench-day/{day.seed}")
    plan = [
        PlannedCall(at, "100", rng.expovariate(1.0 / day.handle_time_s), None, f"139{i:08d}")
        for i, at in enumerate(_arrivals(rng, day.arrival_per_hour, day.hours))
    ]
    agents = [
        (
            Agent(f"agent-{1001 + i}", str(1001 + i), "lanzhou", AgentLevel.JUNIOR, (Skill("general"),)),
            f"A{i}",
        )
        for i in range(day.agents)
    ]
    phones = [PhoneProfile(a.extension, ring=Fixed(0.0), talk=None) for a, _ in agents]
    settings = {"wrapup_s": 0.0, "ring_timeout_s": 15.0, "announce_interval_s": 60.0}
    settings["service_level_threshold_s"] = day.threshold_s
    started = time.monotonic()
    async with simulated_hotline(
        workdir,
        lines={"100": Line("general")},
        phones=phones,
        agents=agents,
        speed=day.speed,
        sim_globals={"AGENT_RING_TIMEOUT": "15"},
        seed=day.seed,
        acd=settings,
    ) as line:
        await _place(line, plan, progress, "single skill")
        events = list(line.events)
    wall = time.monotonic() - started
    load = day.arrival_per_hour * day.handle_time_s / 3600.0
    measured = _figures(events, day.threshold_s)
    ideal = ideal_fcfs([c.at_s for c in plan], [c.handle_s for c in plan], day.agents, day.threshold_s)
    return {
        "hours": day.hours,
        "arrival_per_hour": day.arrival_per_hour,
        "handle_time_s": day.handle_time_s,
        "agents": day.agents,
        "threshold_s": day.threshold_s,
        "offered_load_erlangs": round(load, 3),
        "calls": len(plan),
        **measured,
        "erlang_c_service_level": _round(
            erlang_c_service_level(day.agents, load, day.handle_time_s, day.threshold_s)
        ),
        "erlang_c_asa_s": _round(erlang_c_asa(day.agents, load, day.handle_time_s)),
        "ideal_service_level": _round(ideal.service_level),
        "ideal_asa_s": _round(ideal.asa_s),
        "mean_handle_time_drawn_s": _round(sum(c.handle_s for c in plan) / len(plan)) if plan else None,
        "speed": day.speed,
        "seed": day.seed,
        "wall_s": round(wall, 1),
    }


# -- multi-skill mix ----------------------------------------------------------------------------
# (weight, skill, min level, segment, language, mean handle time s): the demo's calls that reach an agent
KINDS: tuple[tuple[float, str, str, str, str, float], ...] = (
    (1.2, "complaint", "junior", "normal", "zh", 240.0),
    (0.35, "complaint", "senior", "vip", "zh", 300.0),
    (0.25, "complaint", "senior", "private_line", "zh", 300.0),
    (1.2, "fault", "junior", "normal", "zh", 180.0),
    (1.0, "consultation", "junior", "normal", "zh", 120.0),
    (1.0, "general", "junior", "normal", "zh", 120.0),
    (0.6, "billing", "junior", "normal", "zh", 150.0),
    (0.25, "billing", "junior", "vip", "zh", 150.0),
    (0.15, "general", "junior", "private_line", "zh", 150.0),
    (0.3, "general", "junior", "normal", "en", 120.0),
    (0.06, "emergency", "junior", "normal", "zh", 90.0),
)
PREFECTURES: tuple[tuple[str, float], ...] = (
    ("lanzhou", 0.35),
    ("tianshui", 0.25),
    ("jiuquan", 0.1),
    ("zhangye", 0.1),
    ("baiyin", 0.1),
    ("province", 0.1),
)
PATIENCE_S = 300.0


async def multi_skill(mix: Mix, workdir: Path, progress: bool) -> dict[str, Any]:
    rng = random.Random(f"bench-mix/{mix.seed}")
    lines: dict[str, Line] = {}
    handle: dict[str, float] = {}
    choices: list[tuple[str, float]] = []
    for k, (weight, skill, level, segment, language, mean) in enumerate(KINDS):
        for p, (prefecture, share) in enumerate(PREFECTURES):
            exten = f"{2000 + 10 * k + p}"
            lines[exten] = Line(skill, level, segment, prefecture, language)
            handle[exten] = mean
            choices.append((exten, weight * share))
    plan = []
    for i, at in enumerate(_arrivals(rng, mix.arrival_per_hour, mix.hours)):
        exten = rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
        mean = handle[exten]
        talk = LogNormal(mean, mean / 2).sample(rng)
        plan.append(PlannedCall(at, exten, talk, rng.expovariate(1.0 / PATIENCE_S), f"138{i:08d}"))
    agents = [(d.to_agent(), d.name) for d in DEMO_AGENTS]
    phones = [PhoneProfile(a.extension, ring=Uniform(1.0, 4.0), talk=None) for a, _ in agents]
    settings: dict[str, Any] = {"wrapup_s": 10.0, "ring_timeout_s": 15.0, "announce_interval_s": 60.0}
    settings["service_level_threshold_s"] = mix.threshold_s
    settings["rules_file"] = mix.rules_file
    started = time.monotonic()
    async with simulated_hotline(
        workdir,
        lines=lines,
        phones=phones,
        agents=agents,
        speed=mix.speed,
        sim_globals={"AGENT_RING_TIMEOUT": "15"},
        seed=mix.seed,
        acd=settings,
    ) as line:
        label = "multi-skill mix" + (f" ({mix.rules_file.stem})" if mix.rules_file else "")
        await _place(line, plan, progress, label)
        events = list(line.events)
        snapshot = await line.acd.wallboard.data()
    wall = time.monotonic() - started
    vip = {Segment.VIP, Segment.PRIVATE_LINE}
    return {
        **asdict(mix),
        "rules_file": mix.rules_file.name if mix.rules_file else "acd/rules.yaml",
        "agents": len(agents),
        "calls": len(plan),
        "all": _figures(events, mix.threshold_s),
        "vip_private_line": {
            **_figures(events, mix.vip_threshold_s, lambda e: e.entry.segment in vip),
            "threshold_s": mix.vip_threshold_s,
            "target_service_level": 0.95,
        },
        "normal": {
            **_figures(events, mix.threshold_s, lambda e: e.entry.segment not in vip),
            "threshold_s": mix.threshold_s,
        },
        "by_skill": {
            skill: _figures(events, mix.threshold_s, _of_skill(skill))
            for skill in sorted({k[1] for k in KINDS})
        },
        # seed 000: a complaint of a VIP or private-line customer goes to a senior, never a junior
        "vip_complaints_answered_by_level": _answered_by_level(
            events, {a.id: a.level for a, _ in agents}, _vip_complaint
        ),
        # emergencies (a lost phone): ahead of every queue, and the time they waited
        "emergency_wait_max_s": _round(
            max(
                (e.waited_s for e in events if isinstance(e, CallAnswered) and _of_skill("emergency")(e)),
                default=None,
            )
        ),
        "escalations": snapshot["total"]["escalations"],
        "wall_s": round(wall, 1),
    }


def _vip_complaint(event: Any) -> bool:
    vip = (Segment.VIP, Segment.PRIVATE_LINE)
    return bool(event.entry.requirement.skill == "complaint" and event.entry.segment in vip)


def _answered_by_level(
    events: Sequence[AcdEvent], levels: dict[str, AgentLevel], which: Callable[[Any], bool]
) -> dict[str, int]:
    out = {level.label: 0 for level in AgentLevel}
    for e in events:
        if isinstance(e, CallAnswered) and which(e):
            out[levels[e.agent_id].label] += 1
    return out


def _of_skill(skill: str) -> Callable[[Any], bool]:
    return lambda event: bool(event.entry.requirement.skill == skill)


# -- shared ---------------------------------------------------------------------------------------
def _arrivals(rng: random.Random, per_hour: float, hours: float) -> list[float]:
    out: list[float] = []
    t = 0.0
    while True:
        t += rng.expovariate(per_hour / 3600.0)
        if t > hours * 3600.0:
            return out
        out.append(t)


async def _place(line: SimulatedHotline, plan: Sequence[PlannedCall], progress: bool, label: str) -> None:
    clock = line.sim.clock
    start = clock.elapsed()
    callers = []
    next_report = time.monotonic()
    for call in plan:
        delay = call.at_s - (clock.elapsed() - start)
        if delay > 0:
            await clock.sleep(delay)
        patience = Fixed(call.patience_s) if call.patience_s is not None else None
        callers.append(line.call(call.exten, call.number, talk=Fixed(call.handle_s), patience=patience))
        if progress and time.monotonic() >= next_report:
            next_report = time.monotonic() + 2.0
            await _progress(line, label, len(callers), len(plan), clock.elapsed() - start)
    while not all(c.done.is_set() for c in callers):
        if progress and time.monotonic() >= next_report:
            next_report = time.monotonic() + 2.0
            await _progress(line, label, len(callers), len(plan), clock.elapsed() - start)
        await asyncio.sleep(0.05)
    # the last hang-ups reach the ACD
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if not await line.acd.service.store.calls():
            break
        await asyncio.sleep(0.05)
    if progress:
        await _progress(line, label, len(callers), len(plan), clock.elapsed() - start)
        print(file=sys.stderr)


async def _progress(line: SimulatedHotline, label: str, placed: int, total: int, elapsed_s: float) -> None:
    total_stats = (await line.acd.wallboard.snapshot()).total
    sl = total_stats.service_level
    print(
        f"\r[bench day] {label}: t={elapsed_s / 3600:5.2f} h  calls {placed}/{total}  "
        f"waiting {total_stats.waiting:3d}  answered {total_stats.answered:5d}  "
        f"SL {'-' if sl is None else f'{sl:.3f}'}   ",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _figures(
    events: Sequence[AcdEvent], threshold_s: float, which: Callable[[Any], bool] = lambda e: True
) -> dict[str, Any]:
    answered = [e for e in events if isinstance(e, CallAnswered) and which(e)]
    abandoned = [e for e in events if isinstance(e, CallAbandoned) and which(e)]
    ended = [e for e in events if isinstance(e, CallEnded) and which(e)]
    decided = len(answered) + len(abandoned)
    short = sum(e.waited_s <= threshold_s for e in abandoned)
    waits = sorted(e.waited_s for e in answered)
    return {
        "answered": len(answered),
        "abandoned": len(abandoned),
        "abandoned_within_threshold": short,
        "service_level": _round(sum(w <= threshold_s for w in waits) / decided) if decided else None,
        # the other usual definition: callers who gave up within the threshold are not counted
        "service_level_short_abandons_excluded": _round(
            sum(w <= threshold_s for w in waits) / (decided - short) if decided > short else None
        ),
        "asa_s": _round(sum(waits) / len(waits)) if waits else None,
        "abandon_rate": _round(len(abandoned) / decided) if decided else None,
        "wait_p90_s": _round(waits[min(len(waits) - 1, math.ceil(0.9 * len(waits)) - 1)]) if waits else None,
        "mean_talk_s": _round(sum(e.talk_s for e in ended) / len(ended)) if ended else None,
    }


def _round(value: float | None) -> float | None:
    if value is None or math.isinf(value):
        return None
    return round(value, 4)
