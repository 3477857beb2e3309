"""IVR (自助语音): self-service and where callers leave, per menu node.

Formulas (docs/reports.md, "IVR"), for a node:

* visits (进入量): calls that reached the node
* left here (离开量) = served here + hung up here + to an agent from here
* self-service rate at the node (节点自助率) = served here ÷ visits
* hang-up rate at the node (节点挂机率) = hung up here ÷ visits
* share of all exits (离开占比) = left here ÷ calls that left the IVR anywhere (in the row's scope)

The total row's self-service rate (自助服务率) is served ÷ calls through the IVR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports.cube import ALL
from reports.ivr_nodes import IvrCounters, IvrKey
from reports.kpis.rates import rate
from reports.periods import Grain, Period
from reports.report import Column, Kind, Measure, Report, tabulate
from reports.slicing import Slice

__all__ = ["exits", "ivr_report", "node_hang_up_rate", "node_self_service_rate", "self_service_rate"]

IvrRow = tuple[IvrCounters, int, bool]  # counters, exits in scope, rates per call (not per node visit)


def exits(c: IvrCounters) -> int:
    return c.self_served + c.hung_up + c.to_agent


def node_self_service_rate(c: IvrCounters) -> float | None:
    return rate(c.self_served, c.visits)


def node_hang_up_rate(c: IvrCounters) -> float | None:
    return rate(c.hung_up, c.visits)


def self_service_rate(c: IvrCounters) -> float | None:
    """Over calls: served ÷ calls that went through the IVR (each leaves it once)."""
    return rate(c.self_served, exits(c))


def _self_service(r: IvrRow) -> float | None:
    return self_service_rate(r[0]) if r[2] else node_self_service_rate(r[0])


def _hang_up(r: IvrRow) -> float | None:
    return rate(r[0].hung_up, exits(r[0])) if r[2] else node_hang_up_rate(r[0])


MEASURES: tuple[Measure[IvrRow], ...] = (
    Measure(Column("visits", "进入量", Kind.INTEGER), lambda r: r[0].visits),
    Measure(Column("exits", "离开量", Kind.INTEGER), lambda r: exits(r[0])),
    Measure(Column("self_served", "自助完成量", Kind.INTEGER), lambda r: r[0].self_served),
    Measure(Column("hung_up", "挂机量", Kind.INTEGER), lambda r: r[0].hung_up),
    Measure(Column("to_agent", "转人工量", Kind.INTEGER), lambda r: r[0].to_agent),
    Measure(Column("self_service_rate", "自助率", Kind.PERCENT), _self_service),
    Measure(Column("hang_up_rate", "挂机率", Kind.PERCENT), _hang_up),
    Measure(Column("exit_share", "离开占比", Kind.PERCENT), lambda r: rate(exits(r[0]), r[1])),
)


def ivr_report(
    ivr: Mapping[IvrKey, IvrCounters],
    period: Period,
    scope: str = ALL,
    *,
    by: Sequence[str] = ("node",),
    grain: Grain = Grain.DAY,
    prefectures: Sequence[str] = (),
) -> Report:
    """IVR节点统计表: per menu node (default), with a total row.

    On a node's row the rates are per visit of that node; on the total row, and on every row
    when the report is not broken down by node, they are per call through the IVR.
    """
    s = Slice(period, scope, tuple(by), grain, tuple(prefectures))
    table = s.table(ivr, IvrCounters())
    all_exits = exits(table[-1][1])
    per_node = "node" in s.by
    rows: list[tuple[tuple[str, ...], IvrRow]] = [
        (dims, (c, all_exits, not per_node or i == len(table) - 1)) for i, (dims, c) in enumerate(table)
    ]
    notes = (
        "离开节点 = 呼叫在IVR中经过的最后一个节点; 按呼叫到达时间统计",
        "节点行: 自助率、挂机率以进入该节点的呼叫为基数; 合计行以经过IVR的呼叫为基数",
    )
    return tabulate("ivr", "IVR节点统计表", period, scope, s.by, rows, MEASURES, notes)
