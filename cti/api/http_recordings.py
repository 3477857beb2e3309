"""Recordings for QA: ``/api/recordings`` (the list in my scope) and ``/api/recordings/{id}/audio``."""

from __future__ import annotations

from aiohttp import web

from cti.api.errors import BadRequest
from cti.api.keys import RECORDINGS
from cti.api.roles import Permission, Principal
from cti.api.routes import Route, json_response

__all__ = ["ROUTES"]


def _number(text: str, what: str) -> int:
    if not text.isdigit():
        raise BadRequest(f"{what} is a number")
    return int(text)


async def recordings(request: web.Request, who: Principal) -> web.StreamResponse:
    limit = _number(request.query.get("limit", "100"), "limit")
    agent = request.query.get("agent") or None
    return json_response({"recordings": await request.app[RECORDINGS].list(who, agent=agent, limit=limit)})


async def audio(request: web.Request, who: Principal) -> web.StreamResponse:
    found = await request.app[RECORDINGS].audio(who, _number(request.match_info["recording_id"], "an id"))
    return web.FileResponse(
        found.path,
        headers={
            "Content-Type": found.media_type,
            "Content-Disposition": f'inline; filename="{found.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


REC = Permission.RECORDINGS
ROUTES = [
    Route(
        "GET",
        "/api/recordings",
        "recordings.list",
        recordings,
        REC,
        "Recorded calls I may listen to, newest first",
        "recordings",
        query=("limit", "agent"),
    ),
    Route(
        "GET",
        "/api/recordings/{recording_id}/audio",
        "recordings.audio",
        audio,
        REC,
        "A recording's audio (logged)",
        "recordings",
    ),
]
