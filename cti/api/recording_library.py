"""Recordings for QA (录音调听): the archived calls a user may listen to, and their audio.

Who may listen is :func:`recordings.access.may_listen` (QA staff, supervisors and admins, within
their prefecture unless provincial); the route's permission lets the roles through, this module
checks the prefecture of each recording.  Every playback is logged with the user's id and the
call's ids — never the caller's number — so "who listened to which call" can be answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.api.errors import NotFound, OutOfScope
from cti.api.roles import Principal
from cti.storage.recordings import Recording, RecordingStatus
from recordings.access import may_listen

__all__ = ["MAX_LIMIT", "RecordingLibrary"]

log = structlog.get_logger(__name__)

MAX_LIMIT = 500
MEDIA_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg"}


@dataclass(frozen=True, slots=True)
class Audio:
    path: Path
    media_type: str
    filename: str


class RecordingLibrary:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], directory: Path) -> None:
        self.sessions = sessions
        self.directory = directory

    async def list(
        self,
        who: Principal,
        *,
        agent: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The newest recordings in the user's scope; optionally one agent's (extension), started
        at or after ``since`` and before ``until``.  The route's permission admits only the roles
        :data:`recordings.access.LISTENERS`; the prefecture part of :func:`may_listen` is the
        user's scope, applied in the query."""
        query = select(Recording).order_by(Recording.started_at.desc(), Recording.id.desc())
        if who.scope is not None:
            query = query.where(Recording.prefecture == who.scope)
        if agent:
            query = query.where(Recording.agent == agent)
        if since is not None:
            query = query.where(Recording.started_at >= since)
        if until is not None:
            query = query.where(Recording.started_at < until)
        async with self.sessions() as db:
            rows = (await db.execute(query.limit(min(limit, MAX_LIMIT)))).scalars()
            return [_view(row) for row in rows]

    async def audio(self, who: Principal, recording_id: int) -> Audio:
        """The archived file of one recording, if the user may listen to it."""
        async with self.sessions() as db:
            row = await db.get(Recording, recording_id)
        if row is None:
            raise NotFound("no such recording")
        if not may_listen(who.role.value, who.prefecture, row.prefecture):
            raise OutOfScope(f"recording {recording_id} is not in your prefecture")
        bound = log.bind(
            uniqueid=row.uniqueid, linkedid=row.linkedid, recording_id=row.id, user_id=who.user_id
        )
        if row.status is not RecordingStatus.ARCHIVED or row.path is None:
            raise NotFound("this recording has no audio", status=row.status.value, reason=row.error)
        root = self.directory.resolve()
        path = (root / row.path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            bound.error("recording file missing from the archive", path=row.path)
            raise NotFound("the recording's file is missing from the archive")
        bound.info("recording played")
        return Audio(path, MEDIA_TYPES.get(row.format, "application/octet-stream"), path.name)


def _view(row: Recording) -> dict[str, Any]:
    return {
        "recording_id": row.id,
        "uniqueid": row.uniqueid,
        "linkedid": row.linkedid,
        "agent": row.agent,
        "caller_number": row.caller_number,
        "prefecture": row.prefecture,
        "started_at": row.started_at,
        "duration_s": round(row.duration_s, 1),
        "format": row.format,
        "status": row.status.value,
        "playable": row.status is RecordingStatus.ARCHIVED and row.path is not None,
    }
