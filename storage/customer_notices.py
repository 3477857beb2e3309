"""What the hotline told a customer without being asked (自动回复, seed 001 §4.12): e.g. that their
ticket is closed. One row per notice, whichever way it went out (a voice call through the outbound
dialer, or only logged where no dialer runs), with what became of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column

__all__ = ["CustomerNotice", "NoticeStatus", "notices_for_ticket"]


class NoticeStatus(StrEnum):
    LOGGED = "logged"  # recorded only: no way to reach the customer is configured
    QUEUED = "queued"  # handed to the dialer
    FAILED = "failed"  # the dialer refused it


class CustomerNotice(Base):
    __tablename__ = "customer_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_number: Mapped[str | None] = mapped_column(String(16), index=True)
    order_number: Mapped[str | None] = mapped_column(String(16), index=True)
    number: Mapped[str] = mapped_column(String(32))  # the customer's phone
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    event: Mapped[str] = mapped_column(String(32))  # ticket_closed, ...
    channel: Mapped[str] = mapped_column(String(20))  # voice | log
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)  # what the customer is told
    reference: Mapped[str] = mapped_column(String(64), default="")  # the dialer's id
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


async def notices_for_ticket(db: AsyncSession, ticket_number: str) -> list[CustomerNotice]:
    stmt = (
        select(CustomerNotice)
        .where(CustomerNotice.ticket_number == ticket_number)
        .order_by(CustomerNotice.id)
    )
    return list((await db.execute(stmt)).scalars())
