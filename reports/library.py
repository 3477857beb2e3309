"""Reports as the API, the ``hotline report`` command and the scheduled job ask for them.

:class:`ReportLibrary` reads the pre-aggregates (:func:`reports.cube_store.read_cube`, grouped
by the database) and the ticket facts of the period, builds the named report with the core
(:mod:`reports.kpis`), optionally with 环比 / 同比 columns, and exports it (JSON, CSV, XLSX).
The caller's scope is checked here: a prefecture's staff get their prefecture; the province's
get any prefecture, or the province (``*``) with every prefecture as a row and the roll-up.

**Customer base** for 千人抱怨率: the bases are set per prefecture and month
(:mod:`storage.customer_base`); a period's base is the mean of the months it touches (rounded),
and missing when any of those months has none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.errors import BadRequest, NotFound, OutOfScope
from reports.comparison import compared
from reports.cube import ALL
from reports.cube_store import read_cube
from reports.export import LABELS, csv_bytes, xlsx_bytes
from reports.kpis.agents import agents_report
from reports.kpis.complaints import complaints_report
from reports.kpis.ivr import ivr_report
from reports.kpis.outbound import outbound_report
from reports.kpis.traffic import traffic_report
from reports.periods import SHANGHAI, Grain, Period, parse_period
from reports.report import Report
from reports.slicing import INTERVAL
from reports.ticket_facts import EscalationError, register_escalation, ticket_facts
from reports.tickets import ESCALATION_CHANNELS, build_ticket_cube
from storage.customer_base import customer_bases, set_customer_base
from storage.prefectures import BY_CODE
from storage.tickets import ticket_by_number

__all__ = ["DEFAULT_BY", "FORMATS", "REPORTS", "Export", "ReportLibrary", "ReportRequest", "months_of"]

_MONTH = re.compile(r"\d{4}-\d{2}")
REPORTS = ("traffic", "agents", "complaints", "ivr", "outbound")
DEFAULT_BY: dict[str, tuple[str, ...]] = {
    "traffic": ("prefecture",),
    "agents": ("prefecture", "agent"),
    "complaints": ("prefecture",),
    "ivr": ("node",),
    "outbound": ("campaign",),
}
COMPARED: dict[str, tuple[str, ...]] = {
    "traffic": ("offered", "answered", "service_level"),
    "agents": ("handled", "aht_s"),
    "complaints": ("complaints", "first_time_resolution", "complaints_per_thousand"),
    "ivr": ("visits",),
    "outbound": ("attempts", "contact_rate"),
}
FORMATS = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class ReportRequest:
    name: str
    period: Period
    scope: str = ALL
    by: tuple[str, ...] | None = None
    grain: Grain = Grain.DAY  # of an interval breakdown
    compare: bool = False  # add 环比 / 同比 columns

    @classmethod
    def parse(
        cls,
        name: str,
        period: str,
        scope: str | None,
        by: str | None = None,
        grain: str | None = None,
        compare: bool = False,
    ) -> ReportRequest:
        if name not in REPORTS:
            raise BadRequest(f"unknown report {name!r}", known=list(REPORTS))
        try:
            parsed = parse_period(period)
            interval = Grain(grain) if grain else Grain.DAY
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        where = scope or ALL
        if where != ALL and (where not in BY_CODE or where == "province"):
            raise BadRequest(f"unknown prefecture {where!r}")
        dims = tuple(d for d in (by or "").split(",") if d) or None
        return cls(name, parsed, where, dims, interval, compare)


@dataclass(frozen=True, slots=True)
class Export:
    body: bytes
    media_type: str
    filename: str


def months_of(period: Period) -> list[str]:
    out, at = [], period.start
    while at < period.end:
        code = f"{at.year:04d}-{at.month:02d}"
        if code not in out:
            out.append(code)
        at = Period.containing(Grain.MONTH, at).end
    return out


class ReportLibrary:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        prefectures: Sequence[str],
        *,
        service_level_s: int = 20,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.sessions = sessions
        self.prefectures = tuple(prefectures)
        self.service_level_s = service_level_s
        self._clock = clock
        self.labels: dict[str, str] = {**LABELS, **{p.code: p.name_zh for p in BY_CODE.values()}}

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC) if self._clock else datetime.now(UTC)

    @staticmethod
    def scope_for(who: Principal, asked: str) -> str:
        """The scope ``who`` may see for the scope ``asked`` (``*``: theirs)."""
        if who.province_wide:
            return asked
        if asked in (ALL, who.prefecture):
            return who.prefecture
        raise OutOfScope(f"reports of {asked} are outside your prefecture", prefecture=asked)

    async def report(self, req: ReportRequest) -> Report:
        if req.compare:
            return await self._compared(req)
        async with self.sessions() as db:
            return await self._build(db, req, req.period)

    async def _compared(self, req: ReportRequest) -> Report:
        built: dict[Period, Report] = {}
        async with self.sessions() as db:
            for p in (req.period, req.period.previous(), req.period.year_ago()):
                built[p] = await self._build(db, req, p)
        measures = [m for m in COMPARED[req.name] if any(c.key == m for c in built[req.period].columns)]
        return compared(built.__getitem__, req.period, measures)

    async def _build(self, db: AsyncSession, req: ReportRequest, period: Period) -> Report:
        by = req.by if req.by is not None else DEFAULT_BY[req.name]
        scope, pre, grain = req.scope, self.prefectures, req.grain
        try:
            if req.name == "traffic":
                calls = await read_cube(db, "calls", period, scope, by, grain)
                return traffic_report(
                    calls,
                    period,
                    scope,
                    by=by,
                    grain=grain,
                    prefectures=pre,
                    service_level_s=self.service_level_s,
                )
            if req.name == "agents":
                calls = await read_cube(db, "calls", period, scope, by, grain)
                time = await read_cube(db, "agent_time", period, scope, by, grain)
                return agents_report(calls, time, period, scope, by=by, grain=grain, prefectures=pre)
            if req.name == "ivr":
                ivr = await read_cube(db, "ivr", period, scope, by, grain)
                return ivr_report(ivr, period, scope, by=by, grain=grain, prefectures=pre)
            if req.name == "outbound":
                out = await read_cube(db, "outbound", period, scope, by, grain)
                return outbound_report(out, period, scope, by=by, grain=grain, prefectures=pre)
            return await self._complaints(db, period, scope, by)
        except ValueError as exc:  # a dimension the report has not, an interval the period has not
            raise BadRequest(str(exc)) from None

    async def _complaints(self, db: AsyncSession, period: Period, scope: str, by: Sequence[str]) -> Report:
        if INTERVAL in by:
            raise BadRequest("the complaints report is by prefecture, category, severity or channel")
        facts = await ticket_facts(db, period.start, period.end, None if scope == ALL else scope)
        as_of = min(self.now(), period.end + timedelta(days=366))
        cube = build_ticket_cube(facts, [], as_of)
        return complaints_report(
            cube,
            period,
            scope,
            customer_base=await self.customer_base(db, period),
            by=by,
            prefectures=self.prefectures,
        )

    async def customer_base(self, db: AsyncSession, period: Period) -> dict[str, int]:
        months = months_of(period)
        found = await customer_bases(db, months)
        out = {}
        for p in self.prefectures:
            values = [found.get((p, m)) for m in months]
            if values and all(v is not None for v in values):
                out[p] = round(sum(v for v in values if v is not None) / len(values))
        return out

    async def export(self, requests: Sequence[ReportRequest], fmt: str) -> Export:
        """One report as JSON or CSV; one or more as an XLSX workbook (a sheet each)."""
        if fmt not in FORMATS:
            raise BadRequest(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
        reports = [await self.report(r) for r in requests]
        first = reports[0]
        stem = f"{first.name if len(reports) == 1 else 'reports'}-{first.period.code}-{first.scope}".replace(
            "*", "province"
        )
        if fmt == "xlsx":
            return Export(xlsx_bytes(reports, self.labels), FORMATS[fmt], f"{stem}.xlsx")
        if fmt == "csv":
            if len(reports) != 1:
                raise BadRequest("a CSV holds one report")
            return Export(csv_bytes(first, self.labels), FORMATS[fmt], f"{stem}.csv")
        body = json.dumps(
            first.to_json() if len(reports) == 1 else [r.to_json() for r in reports],
            ensure_ascii=False,
            default=str,
        )
        return Export(body.encode(), FORMATS[fmt], f"{stem}.json")

    async def set_customers(
        self, who: Principal, prefecture: str, month: str, customers: int
    ) -> dict[str, object]:
        """Set one prefecture's customer base for one month (in ``who``'s scope)."""
        if prefecture not in self.prefectures:
            raise BadRequest(f"unknown prefecture {prefecture!r}")
        if not who.covers(prefecture):
            raise OutOfScope(f"{prefecture} is outside your prefecture", prefecture=prefecture)
        if not _MONTH.fullmatch(month) or not 1 <= int(month[5:]) <= 12:
            raise BadRequest(f"month {month!r} is not YYYY-MM")
        if customers < 0:
            raise BadRequest("a customer base is not negative")
        async with self.sessions() as db:
            await set_customer_base(db, prefecture, month, customers, self.now())
            await db.commit()
        return {"prefecture": prefecture, "month": month, "customers": customers}

    async def escalate(self, who: Principal, number: str, channel: str) -> dict[str, object]:
        """Register that the customer took complaint ``number`` to ``channel`` (越级)."""
        async with self.sessions() as db:
            found = await ticket_by_number(db, number)
            if found is None:
                raise NotFound(f"no ticket {number}")
            if not who.covers(found.prefecture):
                raise OutOfScope(f"ticket {number} is outside your prefecture", prefecture=found.prefecture)
            try:
                ticket = await register_escalation(db, number, channel, self.now())
            except EscalationError as exc:
                raise BadRequest(str(exc)) from None
            await db.commit()
        at = ticket.escalated_at.isoformat() if ticket.escalated_at else None
        return {"number": number, "channel": channel, "channel_zh": ESCALATION_CHANNELS[channel], "at": at}

    def labelled(self, report: Report) -> dict[str, object]:
        """The report's JSON with the labels of its dimension values (for the page)."""
        data = report.to_json()
        data["labels"] = {
            str(v): self.labels.get(str(v), str(v))
            for row in report.rows
            for v, c in zip(row, report.columns, strict=True)
            if c.is_dimension and isinstance(v, str)
        }
        data["period"] = {**report.period.to_json(), "tz": str(SHANGHAI)}
        return data
