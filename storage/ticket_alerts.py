"""Alerts about tickets (工作流监控): warnings, overdue, escalations, chases — one row each, once.

A row is the stored form of :class:`workflow.alerts.Alert` (kind and target role kept as text).
Its key — ticket, kind, target role, target, and the moment it is *for* — is unique, and
:func:`raise_once` inserts with ``ON CONFLICT DO NOTHING``: when several CTI nodes run the
monitoring job at the same time, exactly one of them gets the row (and does what goes with it,
in the same transaction); the others learn that it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, dialect_of
from storage.id_chunks import id_chunks, ids_in

__all__ = [
    "NewAlert",
    "TicketAlert",
    "alerts_of_tickets",
    "alerts_raised_since",
    "raise_once",
    "recent_alerts",
]


CHASE = "chase"  # workflow.alerts.AlertKind.CHASE, as stored


class TicketAlert(Base):
    __tablename__ = "ticket_alerts"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "target_role", "target", "at", name="key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket_number: Mapped[str] = mapped_column(String(16))
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # due_soon | overdue | escalation | chase
    target_role: Mapped[str] = mapped_column(String(20))  # owner | department | supervisor | manager_hotline
    target: Mapped[str] = mapped_column(String(64))  # user-<id>, a department code, a prefecture code
    at: Mapped[datetime] = mapped_column(UtcDateTime())  # the moment the alert is for
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    raised_by: Mapped[str] = mapped_column(String(64))  # the node whose job raised it


@dataclass(frozen=True, slots=True)
class NewAlert:
    ticket_id: int
    ticket_number: str
    prefecture: str
    kind: str
    target_role: str
    target: str
    at: datetime


async def raise_once(db: AsyncSession, new: NewAlert, *, now: datetime, node: str) -> int | None:
    """Insert the alert unless a row with its key exists (caller commits): its id, or None when it
    had been raised already (by this node or another)."""
    values = {
        "ticket_id": new.ticket_id,
        "ticket_number": new.ticket_number,
        "prefecture": new.prefecture,
        "kind": new.kind,
        "target_role": new.target_role,
        "target": new.target,
        "at": new.at,
        "raised_at": now,
        "raised_by": node,
    }
    dialect = db.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(TicketAlert).values(**values).on_conflict_do_nothing().returning(TicketAlert.id)
    return (await db.execute(stmt)).scalar_one_or_none()


async def alerts_of_tickets(db: AsyncSession, ticket_ids: Iterable[int]) -> dict[int, list[TicketAlert]]:
    """What has been raised about these tickets, by ticket id: every alert but chases, and of the
    chases only the latest per department (a ticket chased for days keeps a short list)."""
    ids = list(ticket_ids)
    dialect = dialect_of(db)
    found: dict[int, list[TicketAlert]] = {}
    for chunk in id_chunks(ids, dialect):
        latest_chases = (
            select(func.max(TicketAlert.id))
            .where(ids_in(TicketAlert.ticket_id, chunk, dialect), TicketAlert.kind == CHASE)
            .group_by(TicketAlert.ticket_id, TicketAlert.target)
            .scalar_subquery()
        )
        stmt = select(TicketAlert).where(
            ids_in(TicketAlert.ticket_id, chunk, dialect),
            or_(TicketAlert.kind != CHASE, TicketAlert.id.in_(latest_chases)),
        )
        for row in (await db.execute(stmt.order_by(TicketAlert.id))).scalars():
            found.setdefault(row.ticket_id, []).append(row)
    return found


async def alerts_raised_since(db: AsyncSession, since: datetime, limit: int = 1000) -> list[TicketAlert]:
    """Alerts raised at or after ``since``, oldest first (what a node has to deliver)."""
    stmt = (
        select(TicketAlert)
        .where(TicketAlert.raised_at >= since)
        .order_by(TicketAlert.raised_at, TicketAlert.id)
        .limit(limit)
    )
    return list((await db.execute(stmt)).scalars())


async def recent_alerts(db: AsyncSession, *, prefecture: str | None, limit: int) -> list[TicketAlert]:
    """The latest alerts, newest first; of one prefecture, or all when None."""
    stmt = select(TicketAlert)
    if prefecture is not None:
        stmt = stmt.where(TicketAlert.prefecture == prefecture)
    stmt = stmt.order_by(TicketAlert.raised_at.desc(), TicketAlert.id.desc()).limit(limit)
    return list((await db.execute(stmt)).scalars())
