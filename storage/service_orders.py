"""Service orders (业务受理): what a customer ordered, cancelled, suspended or resumed, and what became
of it, with the history of every change.

An order is ``accepted`` when it is recorded, ``provisioning`` while the provisioning adapter
works on it, then ``done`` or ``failed`` (with the reason). Moves go through :func:`move_order`,
which checks the table below and writes an :class:`OrderEvent`. Order numbers are digits (a
caller hears them and may key them): ``9``, the row id on 7 digits, a Luhn check digit — nine
digits, never confused with a ticket number (eight).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.billing import Service
from storage.db import Base, UtcDateTime, enum_column
from storage.ticket_numbers import luhn_check_digit

__all__ = [
    "OPEN_ORDER_STATUSES",
    "IllegalOrderMove",
    "OrderAction",
    "OrderEvent",
    "OrderStatus",
    "ServiceOrder",
    "move_order",
    "order_by_number",
    "order_history",
    "order_number_for",
    "orders_of",
]

ORDER_PREFIX = "9"


class OrderStatus(StrEnum):
    ACCEPTED = "accepted"
    PROVISIONING = "provisioning"
    DONE = "done"
    FAILED = "failed"


class OrderAction(StrEnum):
    ORDER = "order"  # add a service (开通)
    CANCEL = "cancel"  # end one (取消)
    SUSPEND_LOST = "suspend_lost"  # 挂失停机
    RESUME = "resume"  # 复机 (after a lost-phone suspension: an agent only)


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.ACCEPTED: frozenset({S.PROVISIONING, S.FAILED}),
    S.PROVISIONING: frozenset({S.DONE, S.FAILED}),
    S.DONE: frozenset(),
    S.FAILED: frozenset(),
}
OPEN_ORDER_STATUSES = frozenset({S.ACCEPTED, S.PROVISIONING})


class IllegalOrderMove(Exception):
    def __init__(self, number: str, source: OrderStatus, target: OrderStatus) -> None:
        super().__init__(f"order {number}: cannot go from {source} to {target}")


class ServiceOrder(Base):
    __tablename__ = "service_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"), index=True)
    business: Mapped[Service] = mapped_column(enum_column(Service))
    item: Mapped[str] = mapped_column(String(40))  # catalogue item code
    action: Mapped[OrderAction] = mapped_column(enum_column(OrderAction))
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # ivr | agent
    actor: Mapped[str] = mapped_column(String(64))  # "ivr" or "user-<id>"
    caller_number: Mapped[str] = mapped_column(String(32), index=True)
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)  # one-off fee charged
    monthly_fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    effective_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    failure: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(64), default="")  # the adapter's (BSS) reference
    ivr_session_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OrderEvent(Base):
    __tablename__ = "service_order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    from_status: Mapped[OrderStatus | None] = mapped_column(enum_column(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


def order_number_for(order_id: int) -> str:
    if order_id < 1:
        raise ValueError(f"order id must be positive, got {order_id}")
    body = f"{ORDER_PREFIX}{order_id:07d}"
    return body + luhn_check_digit(body)


def is_order_number(text: str) -> bool:
    return (
        text.isdigit()
        and len(text) >= 9
        and text.startswith(ORDER_PREFIX)
        and luhn_check_digit(text[:-1]) == text[-1]
    )


async def move_order(
    db: AsyncSession, order: ServiceOrder, target: OrderStatus, actor: str, now: datetime, note: str = ""
) -> None:
    """Change the order's status along the table and record it (caller commits)."""
    if target not in TRANSITIONS[order.status]:
        raise IllegalOrderMove(order.number or str(order.id), order.status, target)
    db.add(
        OrderEvent(
            order_id=order.id, at=now, from_status=order.status, to_status=target, actor=actor, note=note
        )
    )
    order.status = target
    order.updated_at = now
    if target in (S.DONE, S.FAILED):
        order.finished_at = now
    await db.flush()


async def order_by_number(db: AsyncSession, number: str) -> ServiceOrder | None:
    stmt = select(ServiceOrder).where(ServiceOrder.number == number)
    return (await db.execute(stmt)).scalar_one_or_none()


async def orders_of(
    db: AsyncSession, customer_id: int, *, open_only: bool = False, limit: int = 50
) -> list[ServiceOrder]:
    """The customer's orders, newest first."""
    stmt = select(ServiceOrder).where(ServiceOrder.customer_id == customer_id)
    if open_only:
        stmt = stmt.where(ServiceOrder.status.in_(OPEN_ORDER_STATUSES))
    stmt = stmt.order_by(ServiceOrder.created_at.desc(), ServiceOrder.id.desc()).limit(limit)
    return list((await db.execute(stmt)).scalars())


async def order_history(db: AsyncSession, order_id: int) -> list[OrderEvent]:
    stmt = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    return list((await db.execute(stmt)).scalars())
