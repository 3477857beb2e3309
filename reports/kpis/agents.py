"""Agents (话务员工作量): calls, AHT, occupancy, time in each state, transfers, ratings, QA.

Formulas (docs/reports.md, "Agents"):

* calls handled (接听量) = legs the agent answered; AHT = Σ (talk + hold + wrap-up) ÷ handled
* occupancy (占用率) = (ringing + on call + wrap-up) ÷ (available + ringing + on call + wrap-up);
  paused (示忙) time is outside both
* staffed time (登录时长) = available + ringing + on call + wrap-up + paused
* satisfaction (满意率) of post-call ratings = (满意 + 基本满意) ÷ rated calls
* QA average (质检平均分) = Σ points ÷ calls scored
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports.agent_time import AgentKey, AgentTimeCounters
from reports.cube import ALL
from reports.intervals import NONE, CallCounters, CallKey
from reports.kpis.rates import rate, seconds
from reports.kpis.traffic import aht_s  # one AHT formula for both reports
from reports.periods import Grain, Period
from reports.report import Column, Kind, Measure, Report, tabulate
from reports.slicing import INTERVAL, Slice

__all__ = [
    "MEASURES",
    "agents_report",
    "busy_ms",
    "occupancy",
    "qa_average",
    "rating_satisfaction",
    "staffed_ms",
]

AgentRow = tuple[CallCounters, AgentTimeCounters]
_DIMENSIONS = frozenset({INTERVAL, "prefecture", "agent"})


def busy_ms(t: AgentTimeCounters) -> int:
    return t.reserved_ms + t.on_call_ms + t.wrap_up_ms


def occupancy(t: AgentTimeCounters) -> float | None:
    return rate(busy_ms(t), busy_ms(t) + t.available_ms)


def staffed_ms(t: AgentTimeCounters) -> int:
    return busy_ms(t) + t.available_ms + t.paused_ms


def rating_satisfaction(c: CallCounters) -> float | None:
    rated = c.rated_satisfied + c.rated_basically_satisfied + c.rated_unsatisfied
    return rate(c.rated_satisfied + c.rated_basically_satisfied, rated)


def qa_average(t: AgentTimeCounters) -> float | None:
    return None if not t.qa_scored else t.qa_points / t.qa_scored


def _calls(key: str, title: str) -> Measure[AgentRow]:
    return Measure(Column(key, title, Kind.INTEGER), lambda r: int(getattr(r[0], key)))


def _time(key: str, title: str) -> Measure[AgentRow]:
    return Measure(Column(key, title, Kind.DURATION), lambda r: seconds(getattr(r[1], key)))


MEASURES: tuple[Measure[AgentRow], ...] = (
    _calls("offers", "分配量"),
    _calls("handled", "接听量"),
    Measure(Column("aht_s", "平均处理时长(秒)", Kind.SECONDS), lambda r: aht_s(r[0])),
    Measure(Column("talk_s", "通话总时长", Kind.DURATION), lambda r: seconds(r[0].talk_ms)),
    Measure(Column("hold_s", "保持总时长", Kind.DURATION), lambda r: seconds(r[0].hold_ms)),
    Measure(Column("wrap_s", "话后处理总时长", Kind.DURATION), lambda r: seconds(r[0].wrap_ms)),
    Measure(Column("occupancy", "占用率", Kind.PERCENT), lambda r: occupancy(r[1])),
    Measure(Column("staffed_s", "登录时长", Kind.DURATION), lambda r: seconds(staffed_ms(r[1]))),
    _time("available_ms", "示闲时长"),
    _time("reserved_ms", "振铃时长"),
    _time("on_call_ms", "通话状态时长"),
    _time("wrap_up_ms", "话后状态时长"),
    _time("paused_ms", "示忙时长"),
    _calls("transfers", "转接量"),
    _calls("escalations", "升级量"),
    _calls("rated_satisfied", "满意"),
    _calls("rated_basically_satisfied", "基本满意"),
    _calls("rated_unsatisfied", "不满意"),
    Measure(Column("rating_satisfaction", "满意率", Kind.PERCENT), lambda r: rating_satisfaction(r[0])),
    Measure(Column("qa_scored", "质检量", Kind.INTEGER), lambda r: r[1].qa_scored),
    Measure(Column("qa_average", "质检平均分", Kind.DECIMAL), lambda r: qa_average(r[1])),
)


def agents_report(
    calls: Mapping[CallKey, CallCounters],
    agent_time: Mapping[AgentKey, AgentTimeCounters],
    period: Period,
    scope: str = ALL,
    *,
    by: Sequence[str] = ("prefecture", "agent"),
    grain: Grain = Grain.DAY,
    prefectures: Sequence[str] = (),
) -> Report:
    """话务员工作量统计表: per agent (and/or interval, prefecture), with a total row."""
    if not set(by) <= _DIMENSIONS:
        raise ValueError(f"agents report rows are by {sorted(_DIMENSIONS)}, not {list(by)}")
    s = Slice(period, scope, tuple(by), grain, tuple(prefectures))
    answered = {k: v for k, v in calls.items() if k.agent != NONE}
    zero_calls, zero_time = CallCounters(), AgentTimeCounters()
    by_calls = s.group(answered, zero_calls) if s.by else {}
    by_time = s.group(agent_time, zero_time) if s.by else {}
    rows: list[tuple[tuple[str, ...], AgentRow]] = [
        (dims, (by_calls.get(dims, zero_calls), by_time.get(dims, zero_time)))
        for dims in s.ordered([*by_calls, *by_time])
    ]
    rows = s.with_total(rows, (s.total(answered, zero_calls), s.total(agent_time, zero_time)))
    notes = ("占用率 = (振铃 + 通话 + 话后处理) ÷ (示闲 + 振铃 + 通话 + 话后处理), 示忙不计",)
    return tabulate("agents", "话务员工作量统计表", period, scope, s.by, rows, MEASURES, notes)
