"""Reports: ``/api/reports/{name}`` (JSON, or a CSV / XLSX download), the customer base, 越级.

The scope is the caller's (:meth:`reports.library.ReportLibrary.scope_for`): a prefecture's staff
get their prefecture whatever they ask; provincial staff any prefecture, or the province with
every prefecture as a row and the roll-up (no ``prefecture``, or ``*``).
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from cti.access.roles import Permission, Principal
from cti.api.keys import REPORT_LIBRARY
from cti.api.routes import Route, json_response, read_body
from cti.errors import BadRequest
from reports.cube import ALL
from reports.library import ReportRequest

__all__ = ["ROUTES"]


class CustomerBaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefecture: str
    month: str  # YYYY-MM
    customers: int = Field(ge=0)


class EscalationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str  # miit, group, government, media, consumer_association


async def report(request: web.Request, who: Principal) -> web.StreamResponse:
    q = request.query
    library = request.app[REPORT_LIBRARY]
    if "period" not in q:
        raise BadRequest("give a period: 2024-03-05, 2024-W09, 2024-03, 2024-Q1 or 2024")
    scope = library.scope_for(who, q.get("prefecture") or ALL)
    compare = q.get("compare", "") in ("1", "true", "yes")
    req = ReportRequest.parse(
        request.match_info["name"], q["period"], scope, q.get("by"), q.get("grain"), compare
    )
    fmt = q.get("format", "json")
    if fmt == "json":
        return json_response(library.labelled(await library.report(req)))
    found = await library.export([req], fmt)
    return web.Response(
        body=found.body,
        headers={
            "Content-Type": found.media_type,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
            "Cache-Control": "private, no-store",
        },
    )


async def customers(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, CustomerBaseBody)
    library = request.app[REPORT_LIBRARY]
    return json_response(await library.set_customers(who, body.prefecture, body.month, body.customers))


async def escalation(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, EscalationBody)
    library = request.app[REPORT_LIBRARY]
    return json_response(await library.escalate(who, request.match_info["number"], body.channel), status=201)


R = Permission.REPORTS
ROUTES = [
    Route(
        "GET",
        "/api/reports/{name}",
        "reports.get",
        report,
        R,
        "A report (traffic, agents, complaints, ivr, outbound) for a period, in my scope; "
        "format=json (default), csv or xlsx",
        "reports",
        query=("period", "prefecture", "by", "grain", "compare", "format"),
    ),
    Route(
        "PUT",
        "/api/reports/customer-base",
        "reports.customer_base",
        customers,
        R,
        "Set a prefecture's customer base for a month (the denominator of 千人抱怨率)",
        "reports",
        body=CustomerBaseBody,
    ),
    Route(
        "POST",
        "/api/tickets/{number}/escalation",
        "reports.escalation",
        escalation,
        R,
        "Register a 越级 complaint: the customer took it to a regulator, the group, the media …",
        "reports",
        body=EscalationBody,
    ),
]
