"""Pausing and resuming a call's recording (MixMonitorMute over AMI), with the span in a table.

While paused, MixMonitor writes silence in both directions, so the file keeps its timing and the
paused span is silent for exactly as long as it lasted; each span is a :class:`RecordingPause` row
(why, who, from when to when).  The agent pauses from their desk (a card number read out); the IVR
pauses around the caller's PIN entry where a recording is running.  A pause still open at hang-up is
closed by the archive.

The time of each row is taken when Asterisk has answered the action: the mute is in force from then.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.ami.client import AmiClient
from recordings.errors import NotRecording, PauseStateError
from storage.recording_pauses import PauseReason, RecordingPause

__all__ = ["RecordedChannel", "RecordingPauses"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RecordedChannel:
    """The channel MixMonitor runs on: its name (for AMI), ids, and the file it records to."""

    name: str
    uniqueid: str
    linkedid: str
    recording_file: str


class RecordingPauses:
    def __init__(
        self,
        ami: AmiClient,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ami = ami
        self.sessions = sessions
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}

    def _lock(self, uniqueid: str) -> asyncio.Lock:
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(uniqueid, asyncio.Lock())

    async def open_pause(self, uniqueid: str) -> RecordingPause | None:
        async with self.sessions() as db:
            return await _open(db, uniqueid)

    async def pause(self, channel: RecordedChannel, reason: PauseReason, by: str) -> RecordingPause:
        """Mute the recording of ``channel``; :class:`PauseStateError` if it is paused already."""
        if not channel.recording_file:
            raise NotRecording(f"channel {channel.name} is not being recorded")
        async with self._lock(channel.uniqueid):
            if await self.open_pause(channel.uniqueid) is not None:
                raise PauseStateError("the recording is paused already")
            await self.ami.action("MixMonitorMute", Channel=channel.name, Direction="both", State="1")
            row = RecordingPause(
                uniqueid=channel.uniqueid,
                linkedid=channel.linkedid,
                recording_file=channel.recording_file[:400],
                reason=reason,
                started_by=by,
                started_at=self._now(),
            )
            async with self.sessions() as db:
                db.add(row)
                await db.commit()
        log.info(
            "recording paused",
            uniqueid=channel.uniqueid,
            linkedid=channel.linkedid,
            reason=reason.value,
            by=by,
        )
        return row

    async def resume(self, channel: RecordedChannel, by: str) -> RecordingPause:
        """Unmute the recording of ``channel``; :class:`PauseStateError` if it is not paused."""
        async with self._lock(channel.uniqueid), self.sessions() as db:
            row = await _open(db, channel.uniqueid)
            if row is None:
                raise PauseStateError("the recording is not paused")
            await self.ami.action("MixMonitorMute", Channel=channel.name, Direction="both", State="0")
            row.ended_at, row.ended_by = self._now(), by
            await db.commit()
        seconds = (row.ended_at - row.started_at).total_seconds()
        log.info(
            "recording resumed", uniqueid=channel.uniqueid, linkedid=channel.linkedid, by=by, paused_s=seconds
        )
        return row

    async def pause_for_pin(self, channel: str, uniqueid: str, linkedid: str, recording_file: str) -> None:
        """The IVR's side (:class:`ivr.privacy.RecordingPrivacy`): paused while the caller keys a PIN."""
        await self.pause(
            RecordedChannel(channel, uniqueid, linkedid, recording_file), PauseReason.IVR_PIN, "ivr"
        )

    async def resume_after_pin(self, channel: str, uniqueid: str) -> None:
        await self.resume(RecordedChannel(channel, uniqueid, uniqueid, ""), "ivr")

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)


async def _open(db: AsyncSession, uniqueid: str) -> RecordingPause | None:
    return await db.scalar(
        select(RecordingPause)
        .where(RecordingPause.uniqueid == uniqueid, RecordingPause.ended_at.is_(None))
        .order_by(RecordingPause.id.desc())
        .limit(1)
    )
