"""The calls each agent handled, with the disposition they gave at wrap-up (an agent's work log).

One :class:`AgentCall` row per (call, agent) connection: opened when the agent answers, closed
when the call leaves them (hang-up, transfer, escalation), and given a **disposition** when the
agent finishes wrap-up: resolved on the spot (当场解决), ticket dispatched (派单), or escalated.
An agent's own statistics (:func:`agent_stats`) are computed from these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, Integer, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column

__all__ = [
    "AgentCall",
    "AgentStats",
    "CallOutcome",
    "Disposition",
    "agent_stats",
    "call_answered",
    "call_left_agent",
    "latest_call",
    "set_disposition",
]


class Disposition(StrEnum):
    RESOLVED = "resolved"  # answered on the spot
    TICKET_DISPATCHED = "ticket_dispatched"
    ESCALATED = "escalated"


class CallOutcome(StrEnum):
    ENDED = "ended"  # someone hung up
    ESCALATED = "escalated"  # back in line for a senior / the manager hotline
    TRANSFERRED = "transferred"  # to another skill or another agent


class AgentCall(Base):
    __tablename__ = "agent_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), index=True)  # the caller's channel
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    skill: Mapped[str] = mapped_column(String(64))
    waited_s: Mapped[float] = mapped_column(Float, default=0.0)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    talk_s: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[CallOutcome | None] = mapped_column(enum_column(CallOutcome))
    disposition: Mapped[Disposition | None] = mapped_column(enum_column(Disposition))
    ticket_number: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    wrapped_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


async def call_answered(
    db: AsyncSession,
    *,
    uniqueid: str,
    agent_id: str,
    prefecture: str,
    skill: str,
    waited_s: float,
    now: datetime,
) -> AgentCall:
    row = AgentCall(
        uniqueid=uniqueid,
        agent_id=agent_id,
        prefecture=prefecture,
        skill=skill,
        waited_s=round(waited_s, 3),
        answered_at=now,
        note="",
    )
    db.add(row)
    await db.flush()
    return row


async def latest_call(db: AsyncSession, agent_id: str, uniqueid: str | None = None) -> AgentCall | None:
    """The agent's most recent call (that call, when ``uniqueid`` is given)."""
    stmt = select(AgentCall).where(AgentCall.agent_id == agent_id)
    if uniqueid is not None:
        stmt = stmt.where(AgentCall.uniqueid == uniqueid)
    stmt = stmt.order_by(AgentCall.answered_at.desc(), AgentCall.id.desc()).limit(1)
    return (await db.execute(stmt)).scalar_one_or_none()


async def call_left_agent(
    db: AsyncSession, *, uniqueid: str, agent_id: str, outcome: CallOutcome, now: datetime
) -> AgentCall | None:
    """The call is no longer with the agent (caller commits); None if the answer was never logged."""
    row = await latest_call(db, agent_id, uniqueid)
    if row is None or row.ended_at is not None:
        return row
    row.ended_at = now
    row.talk_s = round(max(0.0, (now - row.answered_at).total_seconds()), 3)
    row.outcome = outcome
    await db.flush()
    return row


async def set_disposition(
    db: AsyncSession,
    *,
    agent_id: str,
    disposition: Disposition,
    ticket_number: str | None,
    note: str,
    now: datetime,
    uniqueid: str | None = None,
) -> AgentCall | None:
    """Record the wrap-up of the agent's last call (or of ``uniqueid``); None if they had none."""
    row = await latest_call(db, agent_id, uniqueid)
    if row is None:
        return None
    row.disposition = disposition
    row.ticket_number = ticket_number
    row.note = note
    row.wrapped_up_at = now
    await db.flush()
    return row


@dataclass(frozen=True, slots=True)
class AgentStats:
    calls: int
    talk_s_total: float
    talk_s_mean: float | None
    wait_s_mean: float | None
    dispositions: dict[str, int]
    outcomes: dict[str, int]


async def agent_stats(db: AsyncSession, agent_id: str, since: datetime) -> AgentStats:
    """The agent's calls answered since ``since``."""
    base = (AgentCall.agent_id == agent_id, AgentCall.answered_at >= since)
    calls, talk, talk_mean, wait_mean = (
        await db.execute(
            select(
                func.count(AgentCall.id),
                func.coalesce(func.sum(AgentCall.talk_s), 0.0),
                func.avg(AgentCall.talk_s),
                func.avg(AgentCall.waited_s),
            ).where(*base)
        )
    ).one()
    dispositions = {
        str(d.value if isinstance(d, Disposition) else d): n
        for d, n in (
            await db.execute(
                select(AgentCall.disposition, func.count())
                .where(*base, AgentCall.disposition.is_not(None))
                .group_by(AgentCall.disposition)
            )
        ).all()
    }
    outcomes = {
        str(o.value if isinstance(o, CallOutcome) else o): n
        for o, n in (
            await db.execute(
                select(AgentCall.outcome, func.count())
                .where(*base, AgentCall.outcome.is_not(None))
                .group_by(AgentCall.outcome)
            )
        ).all()
    }
    return AgentStats(
        calls=int(calls),
        talk_s_total=round(float(talk), 3),
        talk_s_mean=None if talk_mean is None else round(float(talk_mean), 3),
        wait_s_mean=None if wait_mean is None else round(float(wait_mean), 3),
        dispositions=dispositions,
        outcomes=outcomes,
    )
