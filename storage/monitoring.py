"""The monitoring log: every time QA listened in on an agent's call (监听), who, whom, when, how long.

One :class:`MonitoringSession` row per session, opened when the QA person's phone is rung into
ChanSpy and closed when their spy channel ends (they hung up, the call ended, or they stopped it
from the page).  ``modes`` keeps every mode the session went through, in order
(``listen>whisper>barge``), so a whisper or a barge is never hidden behind a session that began
silent.  Rows carry ids only (user, agent, channel ids), no names or numbers.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column

__all__ = [
    "MonitoringMode",
    "MonitoringSession",
    "close_monitoring",
    "monitoring_log",
    "open_monitoring",
    "record_mode",
    "record_spy_channel",
]


class MonitoringMode(StrEnum):
    LISTEN = "listen"  # silent: neither party hears QA
    WHISPER = "whisper"  # QA talks to the agent only
    BARGE = "barge"  # QA talks to both


class MonitoringSession(Base):
    __tablename__ = "monitoring_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    qa_user_id: Mapped[int] = mapped_column(Integer, index=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)  # the agent's
    call_uniqueid: Mapped[str] = mapped_column(String(64))  # the caller's channel
    spy_uniqueid: Mapped[str | None] = mapped_column(String(64))  # the QA phone's channel, once up
    mode: Mapped[MonitoringMode] = mapped_column(enum_column(MonitoringMode))  # the current one
    modes: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration_s: Mapped[float | None] = mapped_column(Float)
    end_reason: Mapped[str | None] = mapped_column(String(32))


async def open_monitoring(
    db: AsyncSession,
    *,
    qa_user_id: int,
    agent_id: str,
    prefecture: str,
    call_uniqueid: str,
    mode: MonitoringMode,
    now: datetime,
) -> MonitoringSession:
    """Log the start of a session (caller commits)."""
    row = MonitoringSession(
        qa_user_id=qa_user_id,
        agent_id=agent_id,
        prefecture=prefecture,
        call_uniqueid=call_uniqueid,
        mode=mode,
        modes=mode.value,
        started_at=now,
    )
    db.add(row)
    await db.flush()
    return row


async def record_spy_channel(db: AsyncSession, session_id: int, uniqueid: str) -> None:
    """The QA phone answered: its channel's id (caller commits)."""
    row = await db.get(MonitoringSession, session_id)
    if row is not None:
        row.spy_uniqueid = uniqueid
        await db.flush()


async def record_mode(db: AsyncSession, session_id: int, mode: MonitoringMode) -> MonitoringSession | None:
    """The session switched to ``mode`` (caller commits); None when it is unknown or over."""
    row = await db.get(MonitoringSession, session_id)
    if row is None or row.ended_at is not None:
        return None
    if row.mode is not mode:
        row.mode = mode
        row.modes = f"{row.modes}>{mode.value}"[-200:]
    await db.flush()
    return row


async def close_monitoring(
    db: AsyncSession, session_id: int, now: datetime, reason: str
) -> MonitoringSession | None:
    """Close the session (caller commits); a session already closed keeps its first end."""
    row = await db.get(MonitoringSession, session_id)
    if row is None or row.ended_at is not None:
        return row
    row.ended_at = now
    row.duration_s = round(max(0.0, (now - row.started_at).total_seconds()), 3)
    row.end_reason = reason[:32]
    await db.flush()
    return row


async def monitoring_log(
    db: AsyncSession, *, prefecture: str | None = None, limit: int = 100
) -> list[MonitoringSession]:
    """The latest sessions, newest first; of one prefecture's agents, or all when None."""
    stmt = select(MonitoringSession)
    if prefecture is not None:
        stmt = stmt.where(MonitoringSession.prefecture == prefecture)
    stmt = stmt.order_by(MonitoringSession.started_at.desc(), MonitoringSession.id.desc()).limit(limit)
    return list((await db.execute(stmt)).scalars())
