"""Replies to the customer (回复): what they were told about their ticket, by which channel, when,
by whom — and attempts that did not reach them.  The stored form of
:class:`workflow.customer_reply.CustomerReply` (channel kept as text)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime

__all__ = ["CustomerReplyRow", "replies_of_ticket"]


class CustomerReplyRow(Base):
    __tablename__ = "customer_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # phone | sms | in_person | letter | email
    by: Mapped[str] = mapped_column(String(64))  # user-<id>
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    summary: Mapped[str] = mapped_column(Text)
    reached: Mapped[bool] = mapped_column(Boolean)


async def replies_of_ticket(db: AsyncSession, ticket_id: int) -> list[CustomerReplyRow]:
    stmt = select(CustomerReplyRow).where(CustomerReplyRow.ticket_id == ticket_id)
    return list((await db.execute(stmt.order_by(CustomerReplyRow.id))).scalars())
