"""The agent's own desk and current call: ``/api/agent/...`` (only ever the caller's own agent)."""

from __future__ import annotations

from aiohttp import web

from acd.model import AgentLevel
from cti.access.roles import Permission, Principal
from cti.api.keys import CALLS, DESK, POPS, RECORDING_PAUSE
from cti.api.routes import Route, json_response, read_body
from cti.desk.agent_desk import own_agent
from cti.desk.schemas import AgentLoginBody, ConsultBody, PauseBody, TransferBody, WrapUpBody
from cti.errors import BadRequest, NoCurrentCall

__all__ = ["ROUTES"]

DESK_P = Permission.AGENT_DESK
CALL_P = Permission.CALL_CONTROL


async def state(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[DESK].state(who))


async def login(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, AgentLoginBody)
    return json_response(await request.app[DESK].login(who, body.extension))


async def logout(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[DESK].logout(who))


async def pause(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, PauseBody)
    return json_response(await request.app[DESK].pause(who, body.reason))


async def unpause(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[DESK].unpause(who))


async def wrap_up(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, WrapUpBody)
    return json_response(
        await request.app[DESK].wrap_up(who, body.disposition, body.ticket_number, body.note)
    )


async def stats(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[DESK].stats(who))


async def peers(request: web.Request, who: Principal) -> web.StreamResponse:
    """Agents a call can be transferred to or consulted with (signed in), with their state."""
    return json_response({"agents": await request.app[DESK].peers(who)})


async def current_call(request: web.Request, who: Principal) -> web.StreamResponse:
    agent_id = own_agent(who)
    try:
        call = await request.app[CALLS].current(agent_id)
    except NoCurrentCall:
        return json_response({"call": None, "pop": None})
    pop = None
    if call.entry is not None:
        pop = await request.app[POPS].build(call.entry, call.entry.enqueued_at)
    return json_response({"call": call.view(), "pop": pop})


def _operation(name: str) -> Route:
    async def handler(request: web.Request, who: Principal) -> web.StreamResponse:
        agent_id = own_agent(who)
        control = request.app[CALLS]
        operation = {
            "hold": control.hold,
            "unhold": control.unhold,
            "hangup": control.hangup,
            "consult/cancel": control.cancel_consult,
            "consult/complete": control.complete_consult,
            "conference": control.conference,
        }[name]
        call = await operation(agent_id)
        return json_response({"call": call.view()})

    summaries = {
        "hold": "Put the caller on hold (music on hold)",
        "unhold": "Take the caller off hold",
        "hangup": "Hang up (in a conference: leave it)",
        "consult/cancel": "End the consultation and go back to the caller",
        "consult/complete": "Hand the caller to the consulted agent (attended transfer)",
        "conference": "Bring the caller into the consultation (three-way conference)",
    }
    return Route(
        "POST",
        f"/api/agent/call/{name}",
        f"call.{name.replace('/', '-')}",
        handler,
        CALL_P,
        summaries[name],
        "call",
    )


async def transfer(request: web.Request, who: Principal) -> web.StreamResponse:
    agent_id = own_agent(who)
    body = await read_body(request, TransferBody)
    control = request.app[CALLS]
    if body.target == "skill":
        if not body.skill:
            raise BadRequest("a transfer to a skill names the skill")
        call = await control.transfer_to_skill(agent_id, body.skill)
    elif body.target == "agent":
        if not body.agent_id:
            raise BadRequest("a transfer to an agent names the agent")
        call = await control.transfer_to_agent(agent_id, body.agent_id)
    else:
        level = AgentLevel.SENIOR if body.target == "senior" else AgentLevel.MANAGER
        call = await control.transfer_to_level(agent_id, level, body.note)
    return json_response({"call": call.view(), "transferred": body.target})


async def consult(request: web.Request, who: Principal) -> web.StreamResponse:
    agent_id = own_agent(who)
    body = await read_body(request, ConsultBody)
    call = await request.app[CALLS].consult(agent_id, body.agent_id)
    return json_response({"call": call.view()})


async def pause_recording(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response({"call": await request.app[RECORDING_PAUSE].pause(own_agent(who))})


async def resume_recording(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response({"call": await request.app[RECORDING_PAUSE].resume(own_agent(who))})


ROUTES = [
    Route("GET", "/api/agent", "agent.state", state, DESK_P, "My ACD state", "agent"),
    Route(
        "POST",
        "/api/agent/call/recording/pause",
        "call.recording-pause",
        pause_recording,
        CALL_P,
        "Pause my call's recording (it records silence until resumed; the span is kept)",
        "call",
    ),
    Route(
        "POST",
        "/api/agent/call/recording/resume",
        "call.recording-resume",
        resume_recording,
        CALL_P,
        "Resume my call's recording",
        "call",
    ),
    Route(
        "POST",
        "/api/agent/login",
        "agent.login",
        login,
        DESK_P,
        "Sign in to the ACD at an extension",
        "agent",
        AgentLoginBody,
    ),
    Route("POST", "/api/agent/logout", "agent.logout", logout, DESK_P, "Sign out of the ACD", "agent"),
    Route(
        "POST",
        "/api/agent/pause",
        "agent.pause",
        pause,
        DESK_P,
        "Pause with a reason (after the call, if on one)",
        "agent",
        PauseBody,
    ),
    Route(
        "POST",
        "/api/agent/unpause",
        "agent.unpause",
        unpause,
        DESK_P,
        "End a pause (or cancel a pending one)",
        "agent",
    ),
    Route(
        "POST",
        "/api/agent/wrapup",
        "agent.wrapup",
        wrap_up,
        DESK_P,
        "Set the last call's disposition and end wrap-up",
        "agent",
        WrapUpBody,
    ),
    Route("GET", "/api/agent/stats", "agent.stats", stats, DESK_P, "My statistics today", "agent"),
    Route(
        "GET",
        "/api/agent/peers",
        "agent.peers",
        peers,
        CALL_P,
        "Signed-in agents to transfer to or consult",
        "call",
    ),
    Route(
        "GET",
        "/api/agent/call",
        "call.current",
        current_call,
        CALL_P,
        "My current call and its screen pop",
        "call",
    ),
    *(
        _operation(n)
        for n in ("hold", "unhold", "hangup", "consult/cancel", "consult/complete", "conference")
    ),
    Route(
        "POST",
        "/api/agent/call/transfer",
        "call.transfer",
        transfer,
        CALL_P,
        "Blind transfer: to a skill, an agent, a senior or the manager hotline",
        "call",
        TransferBody,
    ),
    Route(
        "POST",
        "/api/agent/call/consult",
        "call.consult",
        consult,
        CALL_P,
        "Consult an agent (the caller is put on hold)",
        "call",
        ConsultBody,
    ),
]
