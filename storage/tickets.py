"""Tickets (工单): complaints, suggestions and fault reports, with their history of actions.

A ticket gets its number (:mod:`storage.ticket_numbers`) from its id, and its due times from
its category: fault categories by :mod:`storage.fault_categories`, complaints by
:mod:`storage.complaint_categories`; suggestions have none. Every change of status goes through
:func:`move_ticket`, which checks the life cycle table and writes a :class:`TicketAction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.complaint_categories import complaint_category
from storage.db import Base, UtcDateTime, enum_column
from storage.fault_categories import fault_category
from storage.ticket_lifecycle import (
    OPEN_STATUSES,
    Severity,
    TicketActionKind,
    TicketKind,
    TicketStatus,
    check_move,
)
from storage.ticket_numbers import ticket_number_for


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # set right after the insert, from the id; unique and numeric
    number: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)
    kind: Mapped[TicketKind] = mapped_column(enum_column(TicketKind))
    category: Mapped[str | None] = mapped_column(String(40), index=True)
    subcategory: Mapped[str | None] = mapped_column(String(40))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity), default=Severity.ORDINARY)
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    caller_number: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_via: Mapped[str] = mapped_column(String(20))  # ivr | agent | web | ...
    ivr_session_id: Mapped[int | None] = mapped_column(ForeignKey("ivr_sessions.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # facts for the reports (reports.ticket_facts): 重复投诉 kind and predecessor, set once the
    # complaint is classified; ``repeated``: a later complaint of the same customer repeats this one
    repeat_checked: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    repeat_kind: Mapped[str | None] = mapped_column(String(32))
    repeat_of: Mapped[str | None] = mapped_column(String(16))  # the predecessor's number
    repeated: Mapped[bool] = mapped_column(Boolean, default=False)
    responsible: Mapped[str | None] = mapped_column(String(64))  # who caused it, once investigated
    # 越级: the customer took the complaint to a higher body (channel code, when it was registered)
    escalation_channel: Mapped[str | None] = mapped_column(String(32))
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.status in OPEN_STATUSES and now > self.due_at


class TicketAction(Base):
    __tablename__ = "ticket_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    action: Mapped[TicketActionKind] = mapped_column(enum_column(TicketActionKind))
    actor: Mapped[str] = mapped_column(String(64))  # "ivr", an agent's login, a department
    from_status: Mapped[TicketStatus | None] = mapped_column(enum_column(TicketStatus))
    to_status: Mapped[TicketStatus | None] = mapped_column(enum_column(TicketStatus))
    note: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True, slots=True)
class TimeLimits:
    response_due: timedelta | None
    due: timedelta | None


def time_limits(kind: TicketKind, category: str | None) -> TimeLimits:
    """How long the operator has, from the ticket's creation, to respond and to resolve it."""
    if category is None or kind is TicketKind.SUGGESTION:
        return TimeLimits(None, None)
    if kind is TicketKind.FAULT:
        fault = fault_category(category)
        return TimeLimits(fault.preprocess, fault.time_limit)
    return TimeLimits(None, complaint_category(category).time_limit)


@dataclass(frozen=True, slots=True)
class NewTicket:
    kind: TicketKind
    prefecture: str
    caller_number: str
    created_via: str
    category: str | None = None
    subcategory: str | None = None
    severity: Severity = Severity.ORDINARY
    customer_id: int | None = None
    description: str = ""
    ivr_session_id: int | None = None
    status: TicketStatus = TicketStatus.ACCEPTED
    actor: str = "ivr"


async def open_ticket(
    db: AsyncSession, new: NewTicket, now: datetime, ticket_id: int | None = None
) -> Ticket:
    """Insert a ticket (numbered, with its due times) and its first history row; caller commits.

    ``ticket_id``: an id reserved ahead (:mod:`storage.id_blocks`) instead of the next one; the
    ticket is then numbered at once and both rows are only added to ``db`` (its next flush writes
    them, together with whatever else it holds: the IVR's write-behind adds a batch of tickets).

    Raises ``KeyError`` for an unknown category of its kind.
    """
    ticket = Ticket(
        id=ticket_id,
        number=ticket_number_for(ticket_id) if ticket_id is not None else None,
        kind=new.kind,
        category=new.category,
        subcategory=new.subcategory,
        severity=new.severity,
        status=new.status,
        prefecture=new.prefecture,
        customer_id=new.customer_id,
        caller_number=new.caller_number,
        description=new.description,
        created_via=new.created_via,
        ivr_session_id=new.ivr_session_id,
        created_at=now,
        updated_at=now,
    )
    start_time_limits(ticket, now)
    db.add(ticket)
    if ticket_id is None:
        await db.flush()  # the database numbers it
        ticket.number = ticket_number_for(ticket.id)
    abandoned = new.status is TicketStatus.ABANDONED_IN_IVR
    first = TicketActionKind.ABANDON if abandoned else TicketActionKind.ACCEPT
    db.add(
        TicketAction(
            ticket_id=ticket.id, at=now, action=first, actor=new.actor, from_status=None, to_status=new.status
        )
    )
    if ticket_id is None:
        await db.flush()
    return ticket


async def move_ticket(
    db: AsyncSession,
    ticket: Ticket,
    target: TicketStatus,
    action: TicketActionKind,
    actor: str,
    now: datetime,
    note: str = "",
) -> None:
    """Change the ticket's status along the life cycle and record it (caller commits)."""
    check_move(ticket.number or str(ticket.id), ticket.status, target)
    db.add(
        TicketAction(
            ticket_id=ticket.id,
            at=now,
            action=action,
            actor=actor,
            from_status=ticket.status,
            to_status=target,
            note=note,
        )
    )
    ticket.status = target
    ticket.updated_at = now
    if target is TicketStatus.CLOSED:
        ticket.closed_at = now
    if action is TicketActionKind.REOPEN:  # handled again, within its time limit from now: the
        start_time_limits(ticket, now)  # first due time passed long ago (the watch would mark it overdue)
    await db.flush()


def start_time_limits(ticket: Ticket, now: datetime) -> None:
    """The ticket's response and resolution due times, counted from ``now`` (its creation, or its
    reopening)."""
    limits = time_limits(ticket.kind, ticket.category)
    ticket.response_due_at = now + limits.response_due if limits.response_due else None
    ticket.due_at = now + limits.due if limits.due else None


async def open_tickets_for_number(
    db: AsyncSession, caller_number: str, kind: TicketKind | None = None
) -> list[Ticket]:
    """Open tickets raised from this phone number, newest first."""
    stmt = select(Ticket).where(Ticket.caller_number == caller_number, Ticket.status.in_(OPEN_STATUSES))
    if kind is not None:
        stmt = stmt.where(Ticket.kind == kind)
    stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    return list((await db.execute(stmt)).scalars())


async def ticket_by_number(db: AsyncSession, number: str) -> Ticket | None:
    return (await db.execute(select(Ticket).where(Ticket.number == number))).scalar_one_or_none()


async def ticket_history(db: AsyncSession, ticket_id: int) -> list[TicketAction]:
    stmt = select(TicketAction).where(TicketAction.ticket_id == ticket_id).order_by(TicketAction.id)
    return list((await db.execute(stmt)).scalars())
