"""Outbound campaigns as rows: campaigns, their contacts, every attempt, the do-not-call list and
the daily abandon counts the 3 % / 30-day cap is computed from.

Rows hold plain strings and JSON; the domain (``outbound``) turns them into its values and back
(:mod:`outbound.campaign_store`), so this module imports nothing of ``outbound`` (storage sits
below it).  Contacts are **claimed** by one node at a time: :func:`claim_contacts` selects due
contacts with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (two nodes never get the same row) and
flips them to ``dialling`` with a conditional ``UPDATE`` (which alone is enough on SQLite, a
single node's database).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime

__all__ = [
    "AbandonDay",
    "CampaignAttempt",
    "CampaignContact",
    "CampaignRow",
    "DoNotCallEntry",
    "call_dates_for",
    "claim_contacts",
    "contact_counts",
]


class CampaignRow(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(12), index=True)
    # pacing, schedule, retry policy, skill, priority, ring time (outbound.campaign_codec)
    config: Mapped[dict[str, object]] = mapped_column(JSON)
    # the prefecture whose supervisors manage it; None: the provincial centre's
    prefecture: Mapped[str | None] = mapped_column(String(20), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)


class CampaignContact(Base):
    __tablename__ = "campaign_contacts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number", "reference", name="uq_campaign_contacts_entry"),
        Index("ix_campaign_contacts_due", "campaign_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(40), index=True)  # ticket number, account number
    extra: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_outcome: Mapped[str | None] = mapped_column(String(24))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)


class CampaignAttempt(Base):
    """One call: our ``ChannelId`` (``channel_id``) and what Asterisk said of it."""

    __tablename__ = "campaign_attempts"
    __table_args__ = (Index("ix_campaign_attempts_number_day", "number", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("campaign_contacts.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(64), unique=True)
    node: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    local_date: Mapped[date] = mapped_column(Date)  # in the campaign's time zone: once a day
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    agent_connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(24), index=True)
    # OriginateResponse Reason, Hangup Cause, DialEnd DialStatus (Asterisk's own words)
    reason: Mapped[int | None] = mapped_column(Integer)
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    dial_status: Mapped[str | None] = mapped_column(String(16))
    # written by the call's script over FastAGI: "completed", "abandoned", or None (hung up in it)
    script_result: Mapped[str | None] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")


class DoNotCallEntry(Base):
    __tablename__ = "dnc_numbers"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)  # normalized
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")


class AbandonDay(Base):
    """A campaign's live-answered and abandoned calls on one local day."""

    __tablename__ = "campaign_abandon_days"

    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    live_answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)


async def claim_contacts(
    db: AsyncSession, campaign_id: str, node: str, now: datetime, limit: int
) -> list[CampaignContact]:
    """Claim up to ``limit`` due contacts of the campaign for ``node`` (caller commits).

    Due: ``pending`` with no next-attempt time or one that has come; oldest first.  On PostgreSQL
    rows another transaction holds are skipped (``SKIP LOCKED``); the ``UPDATE … WHERE status =
    'pending'`` makes the claim safe on any database.
    """
    if limit <= 0:
        return []
    due = (
        select(CampaignContact.id)
        .where(
            CampaignContact.campaign_id == campaign_id,
            CampaignContact.status == "pending",
            (CampaignContact.next_attempt_at.is_(None)) | (CampaignContact.next_attempt_at <= now),
        )
        .order_by(
            CampaignContact.next_attempt_at.is_not(None), CampaignContact.next_attempt_at, CampaignContact.id
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await db.execute(due)).scalars())
    claimed: list[CampaignContact] = []
    for contact_id in ids:
        result = await db.execute(
            update(CampaignContact)
            .where(CampaignContact.id == contact_id, CampaignContact.status == "pending")
            .values(
                status="dialling",
                claimed_by=node,
                claimed_at=now,
                version=CampaignContact.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            row = await db.get(CampaignContact, contact_id, populate_existing=True)
            if row is not None:
                claimed.append(row)
    return claimed


async def call_dates_for(db: AsyncSession, number: str, since: date) -> list[date]:
    """Local dates since ``since`` on which ``number`` was dialled and its phone may have rung."""
    stmt = select(CampaignAttempt.local_date).where(
        CampaignAttempt.number == number,
        CampaignAttempt.local_date >= since,
        (CampaignAttempt.outcome.is_(None))
        | (CampaignAttempt.outcome.not_in(("failed", "invalid_number", "dnc_blocked"))),
    )
    return list((await db.execute(stmt)).scalars())


async def contact_counts(db: AsyncSession, campaign_id: str) -> dict[str, int]:
    """How many contacts of the campaign are in each status."""
    stmt = (
        select(CampaignContact.status, func.count())
        .where(CampaignContact.campaign_id == campaign_id)
        .group_by(CampaignContact.status)
    )
    return {status: int(n) for status, n in (await db.execute(stmt)).all()}
