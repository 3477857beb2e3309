"""Call recordings: one row per archived MixMonitor file.

The file itself lives in the archive folder (``[recordings] directory``); the row says whose
call it is (caller's Uniqueid and Linkedid, agent, caller number, prefecture — the prefecture
decides which QA staff may listen, see :mod:`recordings.access`), when, how long, and a
SHA-256 of the archived file.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cti.storage.db import Base, UtcDateTime, enum_column


class RecordingStatus(enum.StrEnum):
    ARCHIVED = "archived"
    MISSING = "missing"  # Asterisk reported a file this node cannot find
    FAILED = "failed"  # the file was there but could not be processed


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


async def recordings_for_call(db: AsyncSession, linkedid: str) -> list[Recording]:
    rows = await db.execute(select(Recording).where(Recording.linkedid == linkedid).order_by(Recording.id))
    return list(rows.scalars())
