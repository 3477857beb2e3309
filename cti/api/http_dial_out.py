"""``POST /api/agent/dial``: the agent calls a ticket's customer (reply 回复, manual 回访)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from cti.access.roles import Permission, Principal
from cti.api.keys import DIAL_OUT
from cti.api.routes import Route, json_response, read_body
from cti.calls.dial_out import Purpose

__all__ = ["ROUTES", "DialBody"]


class DialBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket: str
    purpose: Purpose = Purpose.REPLY


async def dial(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, DialBody)
    return json_response(await request.app[DIAL_OUT].call(who, body.ticket, body.purpose))


ROUTES = [
    Route(
        "POST", "/api/agent/dial", "agent.dial", dial, Permission.AGENT_DESK,
        "Call a ticket's customer from my phone (reply or 回访), recorded", "agent", body=DialBody,
    ),
]  # fmt: skip
