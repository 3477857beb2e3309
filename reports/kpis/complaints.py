"""Complaints and faults (用户投诉统计表): volumes, overdue, repeats, 越级, 一次性解决率, 千人抱怨率, 满意率.

Formulas (docs/reports.md, "Complaints and faults"):

* 一次性解决率 = complaints resolved first time ÷ complaints closed (complaints created in the period)
* 千人抱怨率 = complaints ÷ customers × 1000, customers = the customer base of the row's prefecture
  (the province: the sum of the prefectures' bases) for the period; 月均 = that ÷ months in the period
* 满意率 = (满意 + 基本满意) ÷ satisfaction callbacks made in the period
* repeats by kind, 越级 (by channel with ``by=("channel",)``), overdue: counts
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports.cube import ALL
from reports.kpis.rates import rate
from reports.periods import Period
from reports.report import Column, Kind, Measure, Report, tabulate
from reports.slicing import Slice
from reports.tickets import TicketCounters, TicketKey

__all__ = [
    "complaints_per_thousand",
    "complaints_report",
    "first_time_resolution",
    "repeats",
    "survey_satisfaction",
]

ComplaintRow = tuple[TicketCounters, int | None]  # counters, customer base


def first_time_resolution(c: TicketCounters) -> float | None:
    return rate(c.resolved_first_time, c.complaints_closed)


def complaints_per_thousand(c: TicketCounters, customers: int | None) -> float | None:
    share = rate(c.complaints, customers)
    return None if share is None else share * 1000


def survey_satisfaction(c: TicketCounters) -> float | None:
    surveyed = c.surveyed_satisfied + c.surveyed_basically_satisfied + c.surveyed_unsatisfied
    return rate(c.surveyed_satisfied + c.surveyed_basically_satisfied, surveyed)


def repeats(c: TicketCounters) -> int:
    return c.repeat_not_answered + c.repeat_unsatisfied + c.repeat_same_person


def _count(key: str, title: str) -> Measure[ComplaintRow]:
    return Measure(Column(key, title, Kind.INTEGER), lambda r: int(getattr(r[0], key)))


def _measures(months: int | None) -> tuple[Measure[ComplaintRow], ...]:
    def monthly(r: ComplaintRow) -> float | None:
        per_thousand = complaints_per_thousand(*r)
        return None if per_thousand is None or months is None else per_thousand / months

    return (
        _count("complaints", "投诉量"),
        _count("suggestions", "建议量"),
        _count("faults", "故障申告量"),
        _count("handled", "处理量"),
        _count("overdue", "超时量"),
        _count("overdue_unhandled", "超时未处理量"),
        Measure(Column("repeats", "重复投诉量", Kind.INTEGER), lambda r: repeats(r[0])),
        _count("repeat_not_answered", "重复投诉(时限内未答复)"),
        _count("repeat_unsatisfied", "重复投诉(不满意处理结果)"),
        _count("repeat_same_person", "重复投诉(个人造成同类型)"),
        _count("escalated", "越级投诉量"),
        _count("complaints_closed", "投诉办结量"),
        _count("resolved_first_time", "一次性解决量"),
        Measure(
            Column("first_time_resolution", "一次性解决率", Kind.PERCENT),
            lambda r: first_time_resolution(r[0]),
        ),
        Measure(Column("customers", "用户数", Kind.INTEGER), lambda r: r[1]),
        Measure(
            Column("complaints_per_thousand", "千人抱怨率", Kind.DECIMAL),
            lambda r: complaints_per_thousand(*r),
        ),
        Measure(Column("complaints_per_thousand_monthly", "月均千人抱怨率", Kind.DECIMAL), monthly),
        _count("surveyed_satisfied", "回访满意"),
        _count("surveyed_basically_satisfied", "回访基本满意"),
        _count("surveyed_unsatisfied", "回访不满意"),
        Measure(Column("satisfaction", "满意率", Kind.PERCENT), lambda r: survey_satisfaction(r[0])),
    )


def complaints_report(
    tickets: Mapping[TicketKey, TicketCounters],
    period: Period,
    scope: str = ALL,
    *,
    customer_base: Mapping[str, int] | None = None,
    by: Sequence[str] = ("prefecture",),
    prefectures: Sequence[str] = (),
) -> Report:
    """用户投诉统计表 by prefecture (default), category, severity or 越级 channel, with a total row.

    ``customer_base`` is the number of customers of each prefecture for the period (the
    denominator of 千人抱怨率); the province's is their sum, None when a prefecture's is missing.
    """
    s = Slice(period, scope, tuple(by), prefectures=tuple(prefectures))
    bases = dict(customer_base or {})
    members = list(prefectures) or sorted(bases)

    def base_of(prefecture: str) -> int | None:
        if prefecture != ALL:
            return bases.get(prefecture)
        if not members or any(p not in bases for p in members):
            return None
        return sum(bases[p] for p in members)

    at = s.by.index("prefecture") if "prefecture" in s.by else None
    rows: list[tuple[tuple[str, ...], ComplaintRow]] = [
        (dims, (counters, base_of(dims[at] if at is not None else scope)))
        for dims, counters in s.table(tickets, TicketCounters())
    ]
    notes = (
        "按工单创建日统计; 回访按回访日统计",
        "千人抱怨率 = 投诉量 ÷ 用户数 × 1000; 全省用户数为各地市之和",
        "一次性解决率 = 一次性解决的投诉 ÷ 已办结投诉 (未重开、未重复投诉、未越级)",
    )
    return tabulate(
        "complaints", "用户投诉统计表", period, scope, s.by, rows, _measures(period.months), notes
    )
