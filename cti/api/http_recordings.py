"""Recordings for QA: ``/api/recordings`` (the list in my scope) and ``/api/recordings/{id}/audio``."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from cti.api.errors import BadRequest
from cti.api.keys import RECORDINGS
from cti.api.roles import Permission, Principal
from cti.api.routes import Route, json_response, whole_number

__all__ = ["ROUTES"]


def _moment(request: web.Request, name: str) -> datetime | None:
    """An ISO 8601 date or date-time query parameter (UTC unless it says otherwise)."""
    text = request.query.get(name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} is an ISO 8601 date or date-time, e.g. 2024-06-10T09:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def recordings(request: web.Request, who: Principal) -> web.StreamResponse:
    limit = whole_number(request.query.get("limit", "100"), "limit")
    agent = request.query.get("agent") or None
    since, until = _moment(request, "since"), _moment(request, "until")
    found = await request.app[RECORDINGS].list(who, agent=agent, since=since, until=until, limit=limit)
    return json_response({"recordings": found})


async def audio(request: web.Request, who: Principal) -> web.StreamResponse:
    recording_id = whole_number(request.match_info["recording_id"], "an id")
    found = await request.app[RECORDINGS].audio(who, recording_id)
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
        query=("limit", "agent", "since", "until"),
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
