"""Dispatches as stored rows and as :class:`~workflow.dispatch.Dispatch` values, both ways.

The desks read a ticket's current dispatch row, let the pure core decide
(:func:`workflow.dispatch.transition`), and write the result back over the version they read
(:func:`save_transition`); a row changed meanwhile is not overwritten.  :func:`owner_of` says who
holds one ticket at the desk (the rule of :mod:`workflow.facts`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.ticket_dispatches import TicketDispatch, save_dispatch
from storage.ticket_lifecycle import TicketActionKind
from storage.tickets import TicketAction
from workflow.dispatch import Dispatch, DispatchState
from workflow.facts import is_user_actor

__all__ = ["dispatch_of", "new_row", "owner_of", "save_transition"]


def dispatch_of(row: TicketDispatch, ticket_number: str) -> Dispatch:
    return Dispatch(
        ticket_id=ticket_number,
        department=row.department,
        dispatched_by=row.dispatched_by,
        queued_at=row.queued_at,
        due_at=row.due_at,
        state=DispatchState(row.state),
        since=row.since,
        taken_by=row.taken_by,
        answer=row.answer,
        return_reason=row.return_reason,
        closed_by=row.closed_by,
        version=row.version,
    )


def new_row(ticket_id: int, dispatch: Dispatch) -> TicketDispatch:
    return TicketDispatch(
        ticket_id=ticket_id,
        department=dispatch.department,
        dispatched_by=dispatch.dispatched_by,
        queued_at=dispatch.queued_at,
        due_at=dispatch.due_at,
        state=dispatch.state.value,
        since=dispatch.since,
        version=dispatch.version,
    )


async def save_transition(db: AsyncSession, row: TicketDispatch, new: Dispatch) -> bool:
    """Write ``new`` over ``row`` if nobody changed the row since it was read (caller commits)."""
    if new.version != row.version + 1:
        raise ValueError(f"dispatch of ticket {new.ticket_id}: version {new.version} after {row.version}")
    return await save_dispatch(
        db,
        row.id,
        expected_version=row.version,
        state=new.state.value,
        since=new.since,
        taken_by=new.taken_by,
        answer=new.answer,
        return_reason=new.return_reason,
        closed_by=new.closed_by,
    )


async def owner_of(db: AsyncSession, ticket_id: int) -> str | None:
    """``user-<id>`` of the desk user who last opened or dispatched the ticket, or None."""
    stmt = (
        select(TicketAction.actor)
        .where(
            TicketAction.ticket_id == ticket_id,
            TicketAction.action.in_([TicketActionKind.ACCEPT, TicketActionKind.DISPATCH]),
        )
        .order_by(TicketAction.id.desc())
    )
    for actor in (await db.execute(stmt)).scalars():
        if is_user_actor(actor):
            return actor
    return None
