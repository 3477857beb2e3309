"""The supervisor's floor, the wallboard's figures and QA monitoring: ``/api/floor``, ``/api/agents/...``,
``/api/wallboard``, ``/api/qa/...``."""

from __future__ import annotations

from aiohttp import web

from acd.model import Skill
from cti.access.roles import Permission, Principal
from cti.api.keys import FLOOR, QA, WALLBOARD
from cti.api.routes import Route, json_response, read_body, whole_number
from cti.desk.schemas import ForcePauseBody, MonitorBody, MonitorModeBody, SkillsBody
from cti.errors import BadRequest

__all__ = ["ROUTES"]


async def floor(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[FLOOR].view(who))


async def wallboard(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[WALLBOARD].snapshot(who.scope))


async def force_pause(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, ForcePauseBody)
    return json_response(
        await request.app[FLOOR].force_pause(who, request.match_info["agent_id"], body.reason)
    )


async def force_logout(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[FLOOR].force_logout(who, request.match_info["agent_id"]))


async def set_skills(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, SkillsBody)
    names = [s.name for s in body.skills]
    if len(set(names)) != len(names):
        raise BadRequest("a skill is listed twice")
    skills = [Skill(s.name, s.proficiency) for s in body.skills]
    return json_response(await request.app[FLOOR].set_skills(who, request.match_info["agent_id"], skills))


async def live_calls(request: web.Request, who: Principal) -> web.StreamResponse:
    qa = request.app[QA]
    return json_response({"calls": await qa.live_calls(who), "mine": qa.mine(who)})


async def start_monitor(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, MonitorBody)
    return json_response(await request.app[QA].start(who, body.agent_id, body.mode), status=202)


def _session_id(request: web.Request) -> int:
    return whole_number(request.match_info["session_id"], "a session id")


async def switch_monitor(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, MonitorModeBody)
    return json_response(await request.app[QA].switch(who, _session_id(request), body.mode))


async def stop_monitor(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[QA].stop(who, _session_id(request)))


async def monitor_log(request: web.Request, who: Principal) -> web.StreamResponse:
    limit = whole_number(request.query.get("limit", "100"), "limit")
    return json_response({"sessions": await request.app[QA].log(who, limit)})


A = "/api/agents/{agent_id}"
M = "/api/qa/monitor/{session_id}"
FR, FC = Permission.FLOOR_READ, Permission.FLOOR_CONTROL
MON, LOG = Permission.MONITOR, Permission.MONITOR_LOG
ROUTES = [
    Route("GET", "/api/floor", "floor.view", floor, FR, "Agents and waiting calls in my scope", "floor"),
    Route(
        "GET", "/api/wallboard", "floor.wallboard", wallboard, FR, "Wallboard figures in my scope", "floor"
    ),
    Route("POST", A + "/pause", "floor.pause", force_pause, FC, "Pause an agent", "floor", ForcePauseBody),
    Route("POST", A + "/logout", "floor.logout", force_logout, FC, "Sign an agent out of the ACD", "floor"),
    Route(
        "PUT",
        A + "/skills",
        "floor.skills",
        set_skills,
        FC,
        "Reassign an agent's skills",
        "floor",
        SkillsBody,
    ),
    Route(
        "GET", "/api/qa/calls", "qa.calls", live_calls, MON, "Live calls I may monitor, and my sessions", "qa"
    ),
    Route(
        "POST",
        "/api/qa/monitor",
        "qa.start",
        start_monitor,
        MON,
        "Listen / whisper / barge: my phone is called",
        "qa",
        MonitorBody,
    ),
    Route("PUT", M, "qa.mode", switch_monitor, MON, "Switch a session's mode", "qa", MonitorModeBody),
    Route("DELETE", M, "qa.stop", stop_monitor, MON, "Stop a session", "qa"),
    Route(
        "GET",
        "/api/qa/log",
        "qa.log",
        monitor_log,
        LOG,
        "The monitoring log in my scope",
        "qa",
        query=("limit",),
    ),
]
