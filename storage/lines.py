"""A customer's lines and the services on them (seed 001 §4.4: 业务受理 per business line).

A :class:`Line` is one number of one business line (mobile, IP, internet, long distance, paging,
local — the six of :class:`storage.billing.Service`); a private-line customer has several. Its
status says whether it works: ``active``, ``suspended_lost`` (挂失停机: a lost phone, suspended
at the caller's request; only an agent lifts it), ``suspended`` (e.g. for arrears) or ``closed``.
A :class:`LineService` is one ordered service on a line (a plan, a value-added service, a
package), with the order that added it and, once cancelled, the order that ended it.

Only the provisioning adapter changes these rows (:mod:`orders.builtin_provisioning`), in the
same transaction as everything else an order does, so an order is all done or not done at all.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.billing import Service
from storage.db import Base, UtcDateTime, enum_column

__all__ = [
    "Line",
    "LineService",
    "LineStatus",
    "ProvisioningRecord",
    "ServiceStatus",
    "line_by_number",
    "lines_of",
    "services_on",
]


class LineStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED_LOST = "suspended_lost"  # 挂失停机
    SUSPENDED = "suspended"  # e.g. for arrears (欠费停机)
    CLOSED = "closed"


class ServiceStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Line(Base):
    __tablename__ = "lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    business: Mapped[Service] = mapped_column(enum_column(Service))
    status: Mapped[LineStatus] = mapped_column(enum_column(LineStatus), default=LineStatus.ACTIVE)
    status_since: Mapped[datetime] = mapped_column(UtcDateTime())
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LineService(Base):
    __tablename__ = "line_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # the catalogue item (orders/catalogue.yaml)
    status: Mapped[ServiceStatus] = mapped_column(enum_column(ServiceStatus), default=ServiceStatus.ACTIVE)
    monthly_fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    effective_from: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # the orders that added and ended it (order numbers: the orders table points at lines too)
    order_number: Mapped[str | None] = mapped_column(String(16))
    cancel_order_number: Mapped[str | None] = mapped_column(String(16))


class ProvisioningRecord(Base):
    """An order the built-in adapter applied: written in the same transaction as its changes, so
    it exists exactly when they do (:meth:`orders.builtin_provisioning.BuiltinProvisioning.applied`)."""

    __tablename__ = "provisioning_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    reference: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime())


async def lines_of(db: AsyncSession, customer_id: int) -> list[Line]:
    stmt = select(Line).where(Line.customer_id == customer_id).order_by(Line.business, Line.number)
    return list((await db.execute(stmt)).scalars())


async def line_by_number(db: AsyncSession, number: str) -> Line | None:
    return (await db.execute(select(Line).where(Line.number == number))).scalar_one_or_none()


async def services_on(
    db: AsyncSession, line_ids: list[int], *, active_only: bool = True
) -> list[LineService]:
    if not line_ids:
        return []
    stmt = select(LineService).where(LineService.line_id.in_(line_ids))
    if active_only:
        stmt = stmt.where(LineService.status == ServiceStatus.ACTIVE)
    return list((await db.execute(stmt.order_by(LineService.line_id, LineService.id))).scalars())
