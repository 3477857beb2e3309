"""IVR records: one :class:`IvrSession` per call through the menus and one :class:`IvrStep` per node
visited (keys pressed, time spent, result), for the reports (self-service rate, where callers give
up, which menus confuse them).

Outcomes of a session:

- ``self_served``: the caller got what they came for without an agent (bill read back, knowledge
  heard, fault status heard, suggestion recorded), whether they then hung up or the IVR ended;
- ``queued``: the caller asked for an agent or a service that needs one, and was handed to the ACD;
- ``transferred``: the IVR gave up serving the caller itself (too many time-outs or invalid keys,
  going round in circles, a system error) and handed them to the ACD;
- ``abandoned``: the caller hung up before being served or handed over;
- ``failed``: the call was lost to an AGI error (not a hang-up) before it could be handed over.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column


class IvrOutcome(StrEnum):
    SELF_SERVED = "self_served"
    QUEUED = "queued"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"
    FAILED = "failed"


class IvrSession(Base):
    __tablename__ = "ivr_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(128))
    caller_number: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    segment: Mapped[str] = mapped_column(String(20), default="normal")
    language: Mapped[str] = mapped_column(String(8))
    menu: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[IvrOutcome | None] = mapped_column(enum_column(IvrOutcome))
    path: Mapped[str] = mapped_column(String(255), default="")
    skill: Mapped[str | None] = mapped_column(String(40))
    # plain id, not a foreign key: the ticket table points at us too
    ticket_id: Mapped[int | None] = mapped_column(Integer)


class IvrStep(Base):
    __tablename__ = "ivr_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("ivr_sessions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    node: Mapped[str] = mapped_column(String(64))
    node_type: Mapped[str] = mapped_column(String(16))
    keys: Mapped[str] = mapped_column(String(64), default="")  # secret entries are masked
    result: Mapped[str] = mapped_column(String(32))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime] = mapped_column(UtcDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer)


async def ivr_steps(db: AsyncSession, session_id: int) -> list[IvrStep]:
    stmt = select(IvrStep).where(IvrStep.session_id == session_id).order_by(IvrStep.seq)
    return list((await db.execute(stmt)).scalars())
