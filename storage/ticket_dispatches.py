"""The department's side of a dispatched ticket (派单), one row per dispatch.

A ticket dispatched twice (returned, then sent again) has two rows; the latest is its current one.
The row is the stored form of :class:`workflow.dispatch.Dispatch` (states ``queued``, ``taken``,
``answered``, ``returned`` kept as text: the rules live in :mod:`workflow.dispatch`).  ``version``
grows with each change, and a change is written only over the version it was computed from
(:func:`save_dispatch`), so two people acting at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, dialect_of
from storage.id_chunks import id_chunks, ids_in

__all__ = [
    "WAITING_STATES",
    "TicketDispatch",
    "current_dispatches",
    "save_dispatch",
    "waiting_in",
]

WAITING_STATES = ("queued", "taken")  # workflow.dispatch.WAITING, as stored


class TicketDispatch(Base):
    __tablename__ = "ticket_dispatches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    dispatched_by: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(12), index=True)
    since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    taken_by: Mapped[str | None] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=0)


async def current_dispatches(db: AsyncSession, ticket_ids: Iterable[int]) -> dict[int, TicketDispatch]:
    """The latest dispatch of each of these tickets that has one, by ticket id."""
    found: dict[int, TicketDispatch] = {}
    dialect = dialect_of(db)
    for chunk in id_chunks(list(ticket_ids), dialect):
        latest = (
            select(func.max(TicketDispatch.id))
            .where(ids_in(TicketDispatch.ticket_id, chunk, dialect))
            .group_by(TicketDispatch.ticket_id)
            .scalar_subquery()
        )
        rows = (await db.execute(select(TicketDispatch).where(TicketDispatch.id.in_(latest)))).scalars()
        found.update((row.ticket_id, row) for row in rows)
    return found


async def waiting_in(db: AsyncSession, department: str) -> list[TicketDispatch]:
    """What ``department`` has still to answer (queued or taken)."""
    stmt = select(TicketDispatch).where(
        TicketDispatch.department == department, TicketDispatch.state.in_(WAITING_STATES)
    )
    return list((await db.execute(stmt.order_by(TicketDispatch.id))).scalars())


async def save_dispatch(
    db: AsyncSession,
    dispatch_id: int,
    *,
    expected_version: int,
    state: str,
    since: datetime | None,
    taken_by: str | None,
    answer: str | None,
    return_reason: str | None,
    closed_by: str | None,
) -> bool:
    """Write the dispatch's new state if the stored version is still ``expected_version``, and
    count one more version (caller commits); False when someone else changed it first."""
    result = await db.execute(
        update(TicketDispatch)
        .where(TicketDispatch.id == dispatch_id, TicketDispatch.version == expected_version)
        .values(
            state=state,
            since=since,
            taken_by=taken_by,
            answer=answer,
            return_reason=return_reason,
            closed_by=closed_by,
            version=expected_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
