"""What outbound calls and the post-call rating leave behind: survey results (回访), the one-key
rating after an inbound call (满意 / 基本满意 / 不满意), and arrears-reminder outcomes on the account.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Float, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column

__all__ = ["ArrearsOutcome", "CallRating", "Rating", "ReminderResult", "SurveyResult", "rating_of"]


class Rating(StrEnum):
    SATISFIED = "satisfied"  # 满意, key 1
    FAIRLY_SATISFIED = "fairly_satisfied"  # 基本满意, key 2
    DISSATISFIED = "dissatisfied"  # 不满意, key 3


class SurveyResult(Base):
    """One finished 回访: the scores of each question (1–5), the mean, and what followed."""

    __tablename__ = "survey_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_number: Mapped[str] = mapped_column(String(16), index=True)
    campaign_id: Mapped[str] = mapped_column(String(40), index=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    uniqueid: Mapped[str] = mapped_column(String(64), unique=True)  # the outbound channel
    agent_id: Mapped[str | None] = mapped_column(String(32), index=True)  # who handled the ticket
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    q1: Mapped[int] = mapped_column(Integer)
    q2: Mapped[int] = mapped_column(Integer)
    q3: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    comment_file: Mapped[str | None] = mapped_column(String(300))
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class CallRating(Base):
    """The caller's one-key rating after the agent hung up first."""

    __tablename__ = "call_ratings"

    uniqueid: Mapped[str] = mapped_column(String(64), primary_key=True)  # the caller's channel
    agent_id: Mapped[str] = mapped_column(String(32), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    rating: Mapped[Rating] = mapped_column(enum_column(Rating))
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class ReminderResult(StrEnum):
    AGENT = "agent"  # pressed 1: put through to an agent
    PROMISE = "promise"  # pressed 2 and keyed a date
    LISTENED = "listened"  # heard the reminder and hung up without choosing
    HUNG_UP = "hung_up"  # hung up before the amount was read


class ArrearsOutcome(Base):
    """What an arrears reminder achieved, on the account."""

    __tablename__ = "arrears_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_number: Mapped[str] = mapped_column(String(20), index=True)
    campaign_id: Mapped[str] = mapped_column(String(40), index=True)
    contact_id: Mapped[int] = mapped_column(Integer)
    uniqueid: Mapped[str] = mapped_column(String(64), unique=True)
    result: Mapped[ReminderResult] = mapped_column(enum_column(ReminderResult))
    amount_due_fen: Mapped[int] = mapped_column(Integer)
    promised_for: Mapped[date | None] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


async def rating_of(db: AsyncSession, uniqueid: str) -> CallRating | None:
    return (await db.execute(select(CallRating).where(CallRating.uniqueid == uniqueid))).scalar_one_or_none()
