"""Recordings over HTTP: search in my scope, play and download with HTTP Range, the access log.

``GET /api/recordings`` searches; ``POST /api/recordings/{id}/links`` (``{"action": "play"}`` or
``"download"``) checks the file and records the access, and gives a short-lived link
``/api/recordings/media/{key}`` the browser's audio element streams from (it cannot send a bearer
token); ``GET /api/recordings/{id}/audio`` serves API clients with their token.  Both answer Range
requests: 206 with ``Content-Range``, 416 with ``Content-Range: bytes */size`` for a range that
selects nothing.  ``GET /api/recordings/access`` lists who played or downloaded what.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from cti.access.roles import Permission, Principal
from cti.api.keys import PLAYBACK, RECORDINGS
from cti.api.routes import PublicRoute, Route, json_response, moment, read_body, whole_number
from cti.desk.recording_library import RecordingQuery
from cti.desk.recording_playback import Media
from cti.errors import BadRequest
from recordings.errors import RangeNotSatisfiable

__all__ = ["PUBLIC_ROUTES", "ROUTES"]


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["play", "download"] = "play"


def _number(request: web.Request, name: str) -> float | None:
    text = request.query.get(name)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise BadRequest(f"{name} is a number") from None


def _flag(request: web.Request, name: str) -> bool | None:
    text = request.query.get(name)
    if text in (None, ""):
        return None
    if text not in ("0", "1", "true", "false"):
        raise BadRequest(f"{name} is true or false")
    return text in ("1", "true")


async def recordings(request: web.Request, who: Principal) -> web.StreamResponse:
    q = request.query
    query = RecordingQuery(
        caller=q.get("caller") or None,
        ticket=q.get("ticket") or None,
        agent=q.get("agent") or None,
        prefecture=q.get("prefecture") or None,
        since=moment(request, "since"),
        until=moment(request, "until"),
        min_duration_s=_number(request, "min_duration"),
        max_duration_s=_number(request, "max_duration"),
        min_score=_number(request, "min_score"),
        max_score=_number(request, "max_score"),
        scored=_flag(request, "scored"),
        flagged=_flag(request, "flagged"),
        limit=whole_number(q.get("limit", "100"), "limit"),
    )
    return json_response({"recordings": await request.app[RECORDINGS].list(who, query)})


def _client(request: web.Request) -> tuple[str, str]:
    return request.remote or "?", request.headers.get("User-Agent", "")


async def link(request: web.Request, who: Principal) -> web.StreamResponse:
    recording_id = whole_number(request.match_info["recording_id"], "an id")
    body = await read_body(request, LinkBody)
    remote, agent = _client(request)
    granted = await request.app[PLAYBACK].grant(
        who, recording_id, download=body.action == "download", remote=remote, user_agent=agent
    )
    return json_response(granted, status=201)


async def audio(request: web.Request, who: Principal) -> web.StreamResponse:
    recording_id = whole_number(request.match_info["recording_id"], "an id")
    remote, agent = _client(request)
    try:
        media = await request.app[PLAYBACK].read(
            who,
            recording_id,
            request.headers.get("Range"),
            download=request.query.get("download") == "1",
            remote=remote,
            user_agent=agent,
        )
    except RangeNotSatisfiable as exc:
        return _unsatisfiable(exc)
    return await _send(request, media)


async def media(request: web.Request) -> web.StreamResponse:
    try:
        found = await request.app[PLAYBACK].media(request.match_info["key"], request.headers.get("Range"))
    except RangeNotSatisfiable as exc:
        return _unsatisfiable(exc)
    return await _send(request, found)


def _unsatisfiable(exc: RangeNotSatisfiable) -> web.StreamResponse:
    response = json_response(
        {"error_id": "range-not-satisfiable", "message": str(exc), "details": {"size": exc.size}}, status=416
    )
    response.headers["Content-Range"] = exc.content_range
    return response


async def _send(request: web.Request, found: Media) -> web.StreamResponse:
    disposition = "attachment" if found.attachment else "inline"
    response = web.StreamResponse(
        status=206 if found.span is not None else 200,
        headers={
            "Content-Type": found.media_type,
            "Content-Length": str(found.length),
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'{disposition}; filename="{found.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
    if found.span is not None:
        response.headers["Content-Range"] = found.span.content_range(found.size)
    await response.prepare(request)
    try:
        async for block in found.body:
            await response.write(block)
    finally:
        close = getattr(found.body, "aclose", None)
        if close is not None:
            await close()
    await response.write_eof()
    return response


async def access_log(request: web.Request, who: Principal) -> web.StreamResponse:
    q = request.query
    found = await request.app[PLAYBACK].access_log(
        who,
        recording_id=whole_number(q["recording_id"], "recording_id") if q.get("recording_id") else None,
        user_id=whole_number(q["user_id"], "user_id") if q.get("user_id") else None,
        since=moment(request, "since"),
        until=moment(request, "until"),
        limit=whole_number(q.get("limit", "100"), "limit"),
    )
    return json_response({"access": found})


REC = Permission.RECORDINGS
SEARCH = (
    "caller",
    "ticket",
    "agent",
    "prefecture",
    "since",
    "until",
    "min_duration",
    "max_duration",
    "min_score",
    "max_score",
    "scored",
    "flagged",
    "limit",
)
ROUTES = [
    Route(
        "GET",
        "/api/recordings",
        "recordings.list",
        recordings,
        REC,
        "Recorded calls I may listen to, newest first (search)",
        "recordings",
        query=SEARCH,
    ),
    Route(
        "POST",
        "/api/recordings/{recording_id}/links",
        "recordings.link",
        link,
        REC,
        "Play or download a recording: check it, record the access, get a short-lived link",
        "recordings",
        LinkBody,
    ),
    Route(
        "GET",
        "/api/recordings/{recording_id}/audio",
        "recordings.audio",
        audio,
        REC,
        "A recording's audio, with Range (recorded; download=1 to download)",
        "recordings",
        query=("download",),
    ),
    Route(
        "GET",
        "/api/recordings/access",
        "recordings.access",
        access_log,
        Permission.RECORDING_AUDIT,
        "Who played or downloaded which recording, when, from where",
        "recordings",
        query=("recording_id", "user_id", "since", "until", "limit"),
    ),
]
PUBLIC_ROUTES = [
    PublicRoute(
        "GET",
        "/api/recordings/media/{key}",
        "recordings.media",
        media,
        "A recording by the link POST /api/recordings/{id}/links gave (Range requests)",
        "recordings",
    ),
]
