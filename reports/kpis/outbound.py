"""Outbound (呼出服务, 欠费催缴, 回访): attempts, contact rate, outcomes, abandon rate, promises to pay.

Formulas (docs/reports.md, "Outbound"):

* contact rate (接通率) = contacted ÷ attempts
* abandon rate (外呼呼损率) = dialer abandons ÷ (contacted + dialer abandons): of the customers who
  answered, the share no agent came to
* promise-to-pay rate (承诺缴费率) = promises to pay ÷ contacted
* AHT (平均处理时长) = Σ agents' talk + hold + wrap-up ÷ contacted
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports.cube import ALL
from reports.dialling import OutboundCounters, OutboundKey
from reports.kpis.rates import mean_seconds, rate
from reports.periods import Grain, Period
from reports.report import Column, Kind, Measure, Report, tabulate
from reports.slicing import Slice

__all__ = ["contact_rate", "outbound_abandon_rate", "outbound_report", "promise_rate"]


def contact_rate(c: OutboundCounters) -> float | None:
    return rate(c.contacted, c.attempts)


def outbound_abandon_rate(c: OutboundCounters) -> float | None:
    return rate(c.dialer_abandoned, c.contacted + c.dialer_abandoned)


def promise_rate(c: OutboundCounters) -> float | None:
    return rate(c.promises_to_pay, c.contacted)


def _count(key: str, title: str) -> Measure[OutboundCounters]:
    return Measure(Column(key, title, Kind.INTEGER), lambda c: int(getattr(c, key)))


MEASURES: tuple[Measure[OutboundCounters], ...] = (
    _count("attempts", "外呼量"),
    _count("contacted", "接通量"),
    _count("no_answer", "无人接听"),
    _count("busy", "用户忙"),
    _count("unreachable", "无法接通"),
    _count("dialer_abandoned", "呼损量"),
    Measure(Column("contact_rate", "接通率", Kind.PERCENT), contact_rate),
    Measure(Column("abandon_rate", "呼损率", Kind.PERCENT), outbound_abandon_rate),
    _count("promises_to_pay", "承诺缴费量"),
    Measure(Column("promise_rate", "承诺缴费率", Kind.PERCENT), promise_rate),
    Measure(
        Column("aht_s", "平均处理时长(秒)", Kind.SECONDS), lambda c: mean_seconds(c.handle_ms, c.contacted)
    ),
)


def outbound_report(
    outbound: Mapping[OutboundKey, OutboundCounters],
    period: Period,
    scope: str = ALL,
    *,
    by: Sequence[str] = ("campaign",),
    grain: Grain = Grain.DAY,
    prefectures: Sequence[str] = (),
) -> Report:
    """呼出服务统计表: per campaign (default), prefecture, agent or interval, with a total row."""
    s = Slice(period, scope, tuple(by), grain, tuple(prefectures))
    notes = ("每次拨号计一次外呼, 按开始拨号时间统计", "呼损: 用户已接听但无坐席接续")
    rows = s.table(outbound, OutboundCounters())
    return tabulate("outbound", "呼出服务统计表", period, scope, s.by, rows, MEASURES, notes)
