"""Traffic (话务量): offered, answered, abandons, service level, ASA, AHT, longest wait.

Formulas (docs/reports.md, "Traffic"):

* answer rate (人工接通率) = answered ÷ queued; abandon rate (排队放弃率) = abandoned in queue ÷ queued
* service level (服务水平) = answered within T s ÷ (queued − short abandons); T inclusive, default 20
* ASA (平均应答速度) = Σ queue wait of answered calls ÷ answered
* AHT (平均处理时长) = Σ (talk + hold + wrap-up) ÷ handled legs
* longest wait (最长等待时长) = the largest queue wait, answered or abandoned
* self-service rate (自助服务率) = self-served ÷ offered
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports.cube import ALL
from reports.intervals import SERVICE_LEVEL_BOUNDS_S, SHORT_ABANDON_S, CallCounters, CallKey
from reports.kpis.rates import mean_seconds, rate, seconds
from reports.periods import Grain, Period
from reports.report import Column, Kind, Measure, Report, tabulate
from reports.slicing import Slice

__all__ = [
    "DEFAULT_SERVICE_LEVEL_S",
    "abandon_rate",
    "aht_s",
    "answer_rate",
    "asa_s",
    "longest_wait_s",
    "self_service_rate",
    "service_level",
    "traffic_measures",
    "traffic_report",
]

DEFAULT_SERVICE_LEVEL_S = 20


def service_level(c: CallCounters, threshold_s: int = DEFAULT_SERVICE_LEVEL_S) -> float | None:
    """Answered within ``threshold_s`` (inclusive) ÷ calls queued, short abandons left out."""
    if threshold_s not in SERVICE_LEVEL_BOUNDS_S:
        raise ValueError(f"service level threshold {threshold_s} s is not one of {SERVICE_LEVEL_BOUNDS_S}")
    within = c.answered_within[SERVICE_LEVEL_BOUNDS_S.index(threshold_s)]
    return rate(within, c.queued - c.short_abandons)


def answer_rate(c: CallCounters) -> float | None:
    return rate(c.answered, c.queued)


def abandon_rate(c: CallCounters) -> float | None:
    return rate(c.abandoned_queue, c.queued)


def asa_s(c: CallCounters) -> float | None:
    return mean_seconds(c.answer_wait_ms, c.answered)


def aht_s(c: CallCounters) -> float | None:
    return mean_seconds(c.talk_ms + c.hold_ms + c.wrap_ms, c.handled)


def longest_wait_s(c: CallCounters) -> float:
    return seconds(c.max_wait_ms)


def self_service_rate(c: CallCounters) -> float | None:
    return rate(c.self_served, c.offered)


def _count(key: str, title: str) -> Measure[CallCounters]:
    return Measure(Column(key, title, Kind.INTEGER), lambda c: int(getattr(c, key)))


def traffic_measures(service_level_s: int = DEFAULT_SERVICE_LEVEL_S) -> tuple[Measure[CallCounters], ...]:
    return (
        _count("offered", "呼入量"),
        _count("self_served", "自助服务量"),
        _count("abandoned_ivr", "IVR放弃量"),
        _count("queued", "转人工量"),
        _count("answered", "人工接通量"),
        _count("abandoned_queue", "排队放弃量"),
        _count("short_abandons", f"短时放弃量(<{SHORT_ABANDON_S}秒)"),
        Measure(Column("answer_rate", "人工接通率", Kind.PERCENT), answer_rate),
        Measure(Column("abandon_rate", "排队放弃率", Kind.PERCENT), abandon_rate),
        Measure(
            Column("service_level", f"服务水平({service_level_s}秒)", Kind.PERCENT),
            lambda c: service_level(c, service_level_s),
        ),
        Measure(Column("asa_s", "平均应答速度(秒)", Kind.SECONDS), asa_s),
        Measure(Column("aht_s", "平均处理时长(秒)", Kind.SECONDS), aht_s),
        Measure(Column("longest_wait_s", "最长等待时长(秒)", Kind.SECONDS), longest_wait_s),
        Measure(Column("self_service_rate", "自助服务率", Kind.PERCENT), self_service_rate),
    )


def traffic_report(
    calls: Mapping[CallKey, CallCounters],
    period: Period,
    scope: str = ALL,
    *,
    by: Sequence[str] = ("prefecture",),
    grain: Grain = Grain.HOUR,
    prefectures: Sequence[str] = (),
    service_level_s: int = DEFAULT_SERVICE_LEVEL_S,
) -> Report:
    """话务量统计表: rows by ``by`` (interval at ``grain``, prefecture, skill, agent) and a total row."""
    s = Slice(period, scope, tuple(by), grain, tuple(prefectures))
    rows = s.table(calls, CallCounters())
    notes = (
        f"服务水平: 进入人工队列后{service_level_s}秒内(含{service_level_s}秒)接通的比例, 短时放弃不计入分母",
        f"短时放弃: 排队不足{SHORT_ABANDON_S}秒即放弃",
        "呼叫按到达时间计入时段(跨零点的呼叫计入到达当日)",
    )
    return tabulate(
        "traffic", "话务量统计表", period, scope, s.by, rows, traffic_measures(service_level_s), notes
    )
