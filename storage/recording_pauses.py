"""Spans during which a call's recording was paused (MixMonitorMute): from the agent's desk, or
by the IVR while a caller keys a PIN.  The recorded file is silent over each span; the row says
why, who, and exactly when (``started_at`` → ``ended_at``).

A pause still open when the call ends is closed at the hang-up (``ended_by = hangup``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column

__all__ = ["PauseReason", "RecordingPause", "pauses_of"]


class PauseReason(StrEnum):
    AGENT = "agent"  # the agent paused it from their desk (a card number read out …)
    IVR_PIN = "ivr-pin"  # the IVR, while the caller keys their service PIN


class RecordingPause(Base):
    __tablename__ = "recording_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), index=True)  # the channel recorded
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    recording_file: Mapped[str] = mapped_column(String(400))  # MIXMONITOR_FILENAME
    reason: Mapped[PauseReason] = mapped_column(enum_column(PauseReason))
    started_by: Mapped[str] = mapped_column(String(64))  # agent-… or ivr
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


async def pauses_of(db: AsyncSession, uniqueid: str) -> list[RecordingPause]:
    """The pause spans of a channel's recording, in order."""
    rows = await db.execute(
        select(RecordingPause).where(RecordingPause.uniqueid == uniqueid).order_by(RecordingPause.started_at)
    )
    return list(rows.scalars())
