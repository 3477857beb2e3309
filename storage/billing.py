"""Billing (seed 000: "the billing centre's itemised bills"; seed 001 §4.2: 话费查询 by service).

Money is kept in **fen** (1/100 yuan) as integers: no rounding, the same on every database.
A :class:`Bill` is one account's month with its totals per :class:`Service`; :class:`Charge` rows
are the itemised records (详单) behind it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column


class Service(StrEnum):
    """The services a bill is totalled by (seed 001 §4.2.1-4.2.6)."""

    MOBILE = "mobile"
    IP = "ip"
    INTERNET = "internet"
    LONG_DISTANCE = "long_distance"
    LOCAL = "local"
    PAGING = "paging"


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    holder: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    # negative: the account is in arrears (欠费)
    balance_fen: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Bill(Base):
    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("account_id", "period", name="uq_bills_account_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # "YYYY-MM"
    amount_due_fen: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    mobile_fen: Mapped[int] = mapped_column(Integer, default=0)
    ip_fen: Mapped[int] = mapped_column(Integer, default=0)
    internet_fen: Mapped[int] = mapped_column(Integer, default=0)
    long_distance_fen: Mapped[int] = mapped_column(Integer, default=0)
    local_fen: Mapped[int] = mapped_column(Integer, default=0)
    paging_fen: Mapped[int] = mapped_column(Integer, default=0)

    def totals(self) -> dict[Service, int]:
        """This month's total per service, in the order of :class:`Service`."""
        return {service: int(getattr(self, f"{service.value}_fen")) for service in Service}

    @property
    def total_fen(self) -> int:
        return sum(self.totals().values())


class Charge(Base):
    __tablename__ = "charges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    service: Mapped[Service] = mapped_column(enum_column(Service))
    description: Mapped[str] = mapped_column(String(200))
    counterpart: Mapped[str | None] = mapped_column(String(32))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)


def billing_period(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


async def bill_for(db: AsyncSession, account_id: int, period: str) -> Bill | None:
    stmt = select(Bill).where(Bill.account_id == account_id, Bill.period == period)
    return (await db.execute(stmt)).scalar_one_or_none()


async def latest_bill(db: AsyncSession, account_id: int) -> Bill | None:
    stmt = select(Bill).where(Bill.account_id == account_id).order_by(Bill.period.desc()).limit(1)
    return (await db.execute(stmt)).scalar_one_or_none()


async def recent_charges(db: AsyncSession, account_id: int, limit: int = 5) -> list[Charge]:
    """The newest ``limit`` itemised charges, newest first."""
    stmt = (
        select(Charge)
        .where(Charge.account_id == account_id)
        .order_by(Charge.occurred_at.desc(), Charge.id.desc())
        .limit(limit)
    )
    return list((await db.execute(stmt)).scalars())


async def account_by_id(db: AsyncSession, account_id: int) -> Account | None:
    return await db.get(Account, account_id)
