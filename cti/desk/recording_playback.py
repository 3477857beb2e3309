"""Playing and downloading recordings (录音调听), each one a row an auditor can list.

A user who may listen (:func:`recordings.access.may_listen`) asks to play or download a recording:
its file is read back and its SHA-256 checked against the one recorded at archive time (a damaged
or replaced file is refused and the attempt recorded), a :class:`RecordingAccess` row is written —
who, role, when, which recording, from which address — and a short-lived link is returned
(``/api/recordings/media/<key>``).  The browser's audio element streams from that link with HTTP
Range requests (the first bytes, then wherever the user seeks: RFC 9110 ranges through
:func:`recordings.byte_range.byte_range`, 416 for a range that selects nothing); every request on
the link is counted on its row, with the bytes sent.  API clients may also read
``/api/recordings/{id}/audio`` with their token: one row per request.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.errors import ApiError, NotFound
from recordings.access import call_prefecture, may_listen
from recordings.byte_range import ByteRange, byte_range
from recordings.errors import MissingObject
from recordings.store import RecordingStore
from storage.agents import agent_record
from storage.recording_access import AccessAction, RecordingAccess
from storage.recordings import Recording, RecordingStatus

__all__ = ["Media", "RecordingDamaged", "RecordingPlayback"]

log = structlog.get_logger(__name__)

MAX_LIMIT = 500
MEDIA_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg"}


class RecordingDamaged(ApiError):
    status = 500
    error_id = "recording-damaged"


@dataclass(frozen=True, slots=True)
class Media:
    """What to send: the whole file (200) or a range of it (206), and how to present it."""

    size: int
    span: ByteRange | None
    media_type: str
    filename: str
    attachment: bool
    body: AsyncIterator[bytes]

    @property
    def length(self) -> int:
        return self.size if self.span is None else self.span.length


class RecordingPlayback:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: RecordingStore,
        clock: Callable[[], float],
        *,
        link_ttl_s: float = 300.0,
    ) -> None:
        self.sessions = sessions
        self.store = store
        self._clock = clock
        self.link_ttl = timedelta(seconds=link_ttl_s)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def grant(
        self, who: Principal, recording_id: int, *, download: bool, remote: str, user_agent: str
    ) -> dict[str, Any]:
        """Check the user may, check the file, record the access; the link to stream it from."""
        action = AccessAction.DOWNLOAD if download else AccessAction.PLAY
        access = await self._open(who, recording_id, action, remote, user_agent)
        return {
            "recording_id": recording_id,
            "action": action.value,
            "url": f"/api/recordings/media/{access.access_key}",
            "expires_at": access.at + self.link_ttl,
        }

    async def read(
        self,
        who: Principal,
        recording_id: int,
        range_header: str | None,
        *,
        download: bool,
        remote: str,
        user_agent: str,
    ) -> Media:
        """One request with the user's token: checked, recorded, served."""
        action = AccessAction.DOWNLOAD if download else AccessAction.PLAY
        access = await self._open(who, recording_id, action, remote, user_agent)
        return await self.media(access.access_key, range_header)

    async def media(self, key: str, range_header: str | None) -> Media:
        """The bytes a link gives, for this ``Range`` header (raises ``RangeNotSatisfiable``)."""
        async with self.sessions() as db:
            access = await db.scalar(select(RecordingAccess).where(RecordingAccess.access_key == key))
            if access is None or access.outcome != "ok" or self.now() > access.at + self.link_ttl:
                raise NotFound("no such link, or it has expired: ask for a new one")
            row = await db.get(Recording, access.recording_id)
        if row is None or row.path is None or row.status is not RecordingStatus.ARCHIVED:
            raise NotFound("this recording has no audio")
        try:
            size = await self.store.size(row.path)
        except MissingObject:
            raise NotFound("the recording's file is missing from the archive") from None
        span = byte_range(size, range_header)
        length = size if span is None else span.length
        async with self.sessions() as db:
            await db.execute(
                update(RecordingAccess)
                .where(RecordingAccess.id == access.id)
                .values(
                    requests=RecordingAccess.requests + 1,
                    bytes_sent=RecordingAccess.bytes_sent + length,
                    last_at=self.now(),
                )
            )
            await db.commit()
        body = self.store.read(row.path, span.start, span.end) if span else self.store.read(row.path)
        return Media(
            size=size,
            span=span,
            media_type=MEDIA_TYPES.get(row.format, "application/octet-stream"),
            filename=f"{row.uniqueid}.{row.format}",
            attachment=access.action is AccessAction.DOWNLOAD,
            body=body,
        )

    async def _open(
        self, who: Principal, recording_id: int, action: AccessAction, remote: str, user_agent: str
    ) -> RecordingAccess:
        async with self.sessions() as db:
            row = await db.get(Recording, recording_id)
            agent = await agent_record(db, row.agent_id) if row is not None and row.agent_id else None
        # out of scope reads as unknown: a 403 would tell which ids exist (security finding 7)
        scope = None if row is None else call_prefecture(agent.prefecture if agent else None, row.prefecture)
        if row is None or scope is None or not may_listen(who.role.value, who.prefecture, scope):
            raise NotFound("no such recording")
        bound = log.bind(
            uniqueid=row.uniqueid, linkedid=row.linkedid, recording_id=row.id, user_id=who.user_id
        )
        if row.status is not RecordingStatus.ARCHIVED or row.path is None:
            # the status only: the archiver's error names paths on this host (finding 7)
            raise NotFound("this recording has no audio", status=row.status.value)
        outcome = "ok"
        try:
            digest = await self.store.digest(row.path)
        except MissingObject:
            outcome = "missing"
        else:
            if row.sha256 is not None and digest != row.sha256:
                outcome = "checksum-mismatch"
        access = RecordingAccess(
            recording_id=row.id,
            prefecture=row.prefecture,
            user_id=who.user_id,
            role=who.role.value,
            action=action,
            at=self.now(),
            remote=remote[:64],
            user_agent=user_agent[:200],
            access_key=secrets.token_urlsafe(18),
            requests=0,
            bytes_sent=0,
            outcome=outcome,
        )
        async with self.sessions() as db:
            db.add(access)
            await db.commit()
        if outcome == "missing":
            bound.error("recording file missing from the archive", path=row.path)
            raise NotFound("the recording's file is missing from the archive")
        if outcome == "checksum-mismatch":
            bound.error("recording checksum mismatch", path=row.path, expected=row.sha256, found=digest)
            raise RecordingDamaged(
                "the recording's file does not match its checksum: it was damaged or replaced"
            )
        bound.info("recording " + ("downloaded" if action is AccessAction.DOWNLOAD else "played"))
        return access

    async def access_log(
        self,
        who: Principal,
        *,
        recording_id: int | None = None,
        user_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Who played or downloaded which recording, newest first, of the recordings in scope."""
        stmt = select(RecordingAccess).order_by(RecordingAccess.at.desc(), RecordingAccess.id.desc())
        if who.scope is not None:
            stmt = stmt.where(RecordingAccess.prefecture == who.scope)
        if recording_id is not None:
            stmt = stmt.where(RecordingAccess.recording_id == recording_id)
        if user_id is not None:
            stmt = stmt.where(RecordingAccess.user_id == user_id)
        if since is not None:
            stmt = stmt.where(RecordingAccess.at >= since)
        if until is not None:
            stmt = stmt.where(RecordingAccess.at < until)
        async with self.sessions() as db:
            rows = (await db.execute(stmt.limit(min(limit, MAX_LIMIT)))).scalars()
            return [
                {
                    "access_id": r.id,
                    "recording_id": r.recording_id,
                    "prefecture": r.prefecture,
                    "user_id": r.user_id,
                    "role": r.role,
                    "action": r.action.value,
                    "at": r.at,
                    "remote": r.remote,
                    "user_agent": r.user_agent,
                    "requests": r.requests,
                    "bytes_sent": r.bytes_sent,
                    "last_at": r.last_at,
                    "outcome": r.outcome,
                }
                for r in rows
            ]
