"""Workflow monitoring and the agent directory for the supervisor's page: ``/api/workflow/...``
(the overdue list, the alerts) and ``/api/agents`` (list, create, edit, retire agents)."""

from __future__ import annotations

from aiohttp import web

from cti.access.roles import Permission, Principal
from cti.api.keys import DIRECTORY, SUPERVISION
from cti.api.routes import Route, json_response, read_body, whole_number
from cti.desk.schemas import AgentBody, AgentEditBody
from cti.errors import BadRequest

__all__ = ["ROUTES"]


async def overdue(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[SUPERVISION].overdue(who))


async def alerts(request: web.Request, who: Principal) -> web.StreamResponse:
    limit = whole_number(request.query.get("limit", "100"), "limit")
    return json_response(await request.app[SUPERVISION].alerts(who, limit))


async def agents(request: web.Request, who: Principal) -> web.StreamResponse:
    retired = request.query.get("retired", "no")
    if retired not in ("yes", "no"):
        raise BadRequest("retired is yes or no")
    listed = await request.app[DIRECTORY].list(who, include_retired=retired == "yes")
    return json_response({"agents": listed})


async def create(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, AgentBody)
    return json_response(await request.app[DIRECTORY].create(who, body), status=201)


async def edit(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, AgentEditBody)
    return json_response(await request.app[DIRECTORY].edit(who, request.match_info["agent_id"], body))


async def retire(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[DIRECTORY].retire(who, request.match_info["agent_id"]))


A = "/api/agents/{agent_id}"
FR, AG = Permission.FLOOR_READ, Permission.AGENTS
ROUTES = [
    Route(
        "GET",
        "/api/workflow/overdue",
        "workflow.overdue",
        overdue,
        FR,
        "Overdue tickets in my scope",
        "workflow",
    ),
    Route(
        "GET",
        "/api/workflow/alerts",
        "workflow.alerts",
        alerts,
        FR,
        "Ticket alerts in my scope, newest first",
        "workflow",
        query=("limit",),
    ),
    Route(
        "GET",
        "/api/agents",
        "agents.list",
        agents,
        FR,
        "The agent directory in my scope",
        "agents",
        query=("retired",),
    ),
    Route("POST", "/api/agents", "agents.create", create, AG, "Add an agent", "agents", AgentBody),
    Route("PATCH", A, "agents.edit", edit, AG, "Change an agent's details", "agents", AgentEditBody),
    Route("POST", A + "/retire", "agents.retire", retire, AG, "Retire an agent (history kept)", "agents"),
]
