"""Callback requests a customer leaves in the VIP menu (大客户服务, seed 001 §4.6.7 客户回访): call me
back (the account manager, or a senior agent). Shown on the desk in the customer's view and in the
list of open requests of the prefecture; an agent marks one done when they have called back.

(Not to be confused with the ACD's callback while waiting in line, :class:`acd.model.CallbackRequest`,
which keeps the caller's place in the queue.)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column

__all__ = ["CallbackStatus", "CustomerCallback", "callbacks_of", "open_callbacks"]


class CallbackStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class CustomerCallback(Base):
    __tablename__ = "customer_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))  # where to call back
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    for_whom: Mapped[str] = mapped_column(String(100))  # the account manager, or "senior"
    requested_via: Mapped[str] = mapped_column(String(20))  # ivr | agent
    status: Mapped[CallbackStatus] = mapped_column(enum_column(CallbackStatus), default=CallbackStatus.OPEN)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


async def callbacks_of(db: AsyncSession, customer_id: int, limit: int = 20) -> list[CustomerCallback]:
    stmt = (
        select(CustomerCallback)
        .where(CustomerCallback.customer_id == customer_id)
        .order_by(CustomerCallback.requested_at.desc(), CustomerCallback.id.desc())
        .limit(limit)
    )
    return list((await db.execute(stmt)).scalars())


async def open_callbacks(
    db: AsyncSession, prefecture: str | None, limit: int = 100
) -> list[CustomerCallback]:
    """Open requests, oldest first; of one prefecture, or all (``None``)."""
    stmt = select(CustomerCallback).where(CustomerCallback.status == CallbackStatus.OPEN)
    if prefecture is not None:
        stmt = stmt.where(CustomerCallback.prefecture == prefecture)
    stmt = stmt.order_by(CustomerCallback.requested_at, CustomerCallback.id).limit(limit)
    return list((await db.execute(stmt)).scalars())
