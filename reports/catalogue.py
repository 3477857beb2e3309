"""The reports by name, for the CLI, the API and the scheduled job: ``build_report("traffic", …)``.

:class:`Sources` holds the cubes (rolled up or not: any grain at or below the report's period)
and the facts that are not cubes (the customer base).  Each report reads what it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from reports.agent_time import AgentKey, AgentTimeCounters
from reports.cube import ALL
from reports.dialling import OutboundCounters, OutboundKey
from reports.intervals import CallCounters, CallKey
from reports.ivr_nodes import IvrCounters, IvrKey
from reports.kpis.agents import agents_report
from reports.kpis.complaints import complaints_report
from reports.kpis.ivr import ivr_report
from reports.kpis.outbound import outbound_report
from reports.kpis.traffic import traffic_report
from reports.periods import Period
from reports.report import Report
from reports.tickets import TicketCounters, TicketKey

__all__ = ["REPORT_NAMES", "Sources", "build_report"]


@dataclass(frozen=True, slots=True)
class Sources:
    calls: Mapping[CallKey, CallCounters] = field(default_factory=dict)
    agent_time: Mapping[AgentKey, AgentTimeCounters] = field(default_factory=dict)
    ivr: Mapping[IvrKey, IvrCounters] = field(default_factory=dict)
    outbound: Mapping[OutboundKey, OutboundCounters] = field(default_factory=dict)
    tickets: Mapping[TicketKey, TicketCounters] = field(default_factory=dict)
    customer_base: Mapping[str, int] = field(default_factory=dict)  # per prefecture, for the period
    prefectures: tuple[str, ...] = ()  # the province's prefectures, in report order


_Builder = Callable[[Sources, Period, str], Report]

_BUILDERS: dict[str, _Builder] = {
    "traffic": lambda s, p, scope: traffic_report(s.calls, p, scope, prefectures=s.prefectures),
    "agents": lambda s, p, scope: agents_report(s.calls, s.agent_time, p, scope, prefectures=s.prefectures),
    "complaints": lambda s, p, scope: complaints_report(
        s.tickets, p, scope, customer_base=s.customer_base, prefectures=s.prefectures
    ),
    "ivr": lambda s, p, scope: ivr_report(s.ivr, p, scope, prefectures=s.prefectures),
    "outbound": lambda s, p, scope: outbound_report(s.outbound, p, scope, prefectures=s.prefectures),
}
REPORT_NAMES: tuple[str, ...] = tuple(_BUILDERS)


def build_report(name: str, sources: Sources, period: Period, scope: str = ALL) -> Report:
    """The named report with its default rows (traffic by prefecture, agents by agent, …).

    For other breakdowns call the report's own function (``traffic_report(..., by=("skill",))``).
    """
    try:
        builder = _BUILDERS[name]
    except KeyError:
        raise ValueError(f"unknown report {name!r} (known: {', '.join(REPORT_NAMES)})") from None
    return builder(sources, period, scope)
