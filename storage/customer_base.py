"""The customer base per prefecture and month: the denominator of 千人抱怨率 (complaints per
thousand customers).  Set by ``hotline report customers`` or the API; the demo seeds it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Base, UtcDateTime, dialect_of

__all__ = ["CUSTOMER_BASE", "customer_bases", "set_customer_base"]

CUSTOMER_BASE = Table(
    "customer_base",
    Base.metadata,
    Column("prefecture", String(20), primary_key=True),
    Column("month", String(7), primary_key=True),  # YYYY-MM
    Column("customers", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


async def set_customer_base(
    db: AsyncSession, prefecture: str, month: str, customers: int, now: datetime
) -> None:
    """Set (or replace) one prefecture's base for one month (caller commits)."""
    if customers < 0:
        raise ValueError("a customer base is not negative")
    row = {"prefecture": prefecture, "month": month, "customers": customers, "updated_at": now}
    module = postgresql if dialect_of(db) == "postgresql" else sqlite
    stmt = module.insert(CUSTOMER_BASE).values(row)
    stmt = stmt.on_conflict_do_update(
        index_elements=["prefecture", "month"], set_={"customers": customers, "updated_at": now}
    )
    await db.execute(stmt)


async def customer_bases(db: AsyncSession, months: list[str]) -> dict[tuple[str, str], int]:
    """(prefecture, month) -> customers, for ``months``."""
    t = CUSTOMER_BASE.c
    rows = await db.execute(select(t.prefecture, t.month, t.customers).where(t.month.in_(months)))
    return {(p, m): int(n) for p, m, n in rows}
