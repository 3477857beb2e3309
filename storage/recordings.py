"""Call recordings: one row per archived MixMonitor file.

The file itself lives in the recording store (``[recordings] store``: the archive folder, or an
S3-compatible bucket) under the key ``path``; the row says whose call it is (caller's Uniqueid and
Linkedid, agent's extension and id, caller number, prefecture — the prefecture decides which QA
staff may listen, see :mod:`recordings.access`), the ticket and the category of the call (what the
retention policy keys on), when, how long, and a SHA-256 of the archived file, checked on every read.

Post-processing (:mod:`recordings.analysis`) adds talk per side, silence, overlap and flags
(``empty``, ``short``: shorter than the call); retention (:mod:`recordings.retention_job`) deletes
the file and marks the row ``deleted`` (the row stays: who was called, when, and that the audio is
gone and why).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column


class RecordingStatus(enum.StrEnum):
    ARCHIVED = "archived"
    MISSING = "missing"  # Asterisk reported a file this node cannot find
    FAILED = "failed"  # the file was there but could not be processed
    DELETED = "deleted"  # the retention policy removed the file; the row stays


class Recording(Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), index=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    agent: Mapped[str | None] = mapped_column(String(32))  # the agent's extension
    caller_number: Mapped[str | None] = mapped_column(String(32))
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(400))  # the file as Asterisk named it
    path: Mapped[str | None] = mapped_column(String(400))  # relative to the archive folder
    format: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[RecordingStatus] = mapped_column(enum_column(RecordingStatus))
    error: Mapped[str | None] = mapped_column(String(400))
    agent_id: Mapped[str | None] = mapped_column(String(64), index=True)  # from the agent directory
    ticket_number: Mapped[str | None] = mapped_column(String(16), index=True)  # opened in the IVR
    skill: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32), default="other", index=True)  # for retention
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)  # never deleted while set
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deleted_reason: Mapped[str | None] = mapped_column(String(200))
    # post-processing (None until analysed); seconds
    analysed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    caller_talk_s: Mapped[float | None] = mapped_column(Float)
    agent_talk_s: Mapped[float | None] = mapped_column(Float)
    silence_s: Mapped[float | None] = mapped_column(Float)  # neither side speaking
    overlap_s: Mapped[float | None] = mapped_column(Float)  # both at once
    call_s: Mapped[float | None] = mapped_column(Float)  # how long the call was (answer to hang-up)
    flags: Mapped[str] = mapped_column(String(100), default="")  # comma-separated: empty, short, …


async def recordings_for_call(db: AsyncSession, linkedid: str) -> list[Recording]:
    rows = await db.execute(select(Recording).where(Recording.linkedid == linkedid).order_by(Recording.id))
    return list(rows.scalars())
