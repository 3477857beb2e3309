"""What monitoring knows about the open tickets, read from the database as :class:`TicketFacts`.

One round reads four things for every open ticket (in a few queries, not per ticket): the ticket,
its current dispatch (:mod:`storage.ticket_dispatches`), who holds it at the desk and when someone
last chased it by hand (its history), and what has been raised about it already
(:mod:`storage.ticket_alerts`).

The **owner** is the desk user who last took the ticket in hand: opened it or dispatched it
(``user-<id>`` in the history); a ticket opened by the IVR and not touched since has none.  Chases
counted as ``last_chased_at`` are those by hand: the job's own are its chase alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import dialect_of
from storage.id_chunks import id_chunks, ids_in
from storage.ticket_alerts import TicketAlert, alerts_of_tickets
from storage.ticket_dispatches import TicketDispatch, current_dispatches
from storage.ticket_lifecycle import OPEN_STATUSES, TicketActionKind
from storage.tickets import Ticket, TicketAction
from workflow.alerts import Alert, AlertKind, TargetRole
from workflow.dispatch import DispatchState
from workflow.tickets import TicketFacts

__all__ = ["JOB_ACTOR", "OpenTicket", "alert_of", "is_user_actor", "open_tickets"]

JOB_ACTOR = "workflow"  # the actor of what the monitoring job writes in a ticket's history
_TAKES_IN_HAND = (TicketActionKind.ACCEPT, TicketActionKind.DISPATCH)


@dataclass(frozen=True, slots=True)
class OpenTicket:
    row_id: int
    facts: TicketFacts


def is_user_actor(actor: str) -> bool:
    head, _, tail = actor.partition("-")
    return head == "user" and tail.isdigit()


def alert_of(row: TicketAlert) -> Alert:
    return Alert(
        AlertKind(row.kind),
        row.ticket_number,
        row.prefecture,
        TargetRole(row.target_role),
        row.target,
        row.at,
    )


async def open_tickets(db: AsyncSession, *, after: int = 0, limit: int | None = None) -> list[OpenTicket]:
    """The open tickets with their facts, by id: all of them, or (for a round read page by page,
    its memory bounded whatever the backlog) at most ``limit`` with an id above ``after``."""
    stmt = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.id > after).order_by(Ticket.id)
    tickets = list((await db.execute(stmt if limit is None else stmt.limit(limit))).scalars())
    ids = [t.id for t in tickets]
    dispatches = await current_dispatches(db, ids)
    alerts = await alerts_of_tickets(db, ids)
    owners, chased = await _from_history(db, ids)
    out: list[OpenTicket] = []
    for t in sorted(tickets, key=lambda t: t.id):
        dispatch: TicketDispatch | None = dispatches.get(t.id)
        facts = TicketFacts(
            ticket_id=t.number or str(t.id),
            status=t.status,
            prefecture=t.prefecture,
            kind=t.kind.value,
            severity=t.severity.value,
            created_at=t.created_at,
            due_at=t.due_at,
            owner=owners.get(t.id),
            department=dispatch.department if dispatch else None,
            dispatch_state=DispatchState(dispatch.state) if dispatch else None,
            dispatched_at=dispatch.queued_at if dispatch else None,
            last_chased_at=chased.get(t.id),
            alerts=tuple(alert_of(a) for a in alerts.get(t.id, ())),
        )
        out.append(OpenTicket(t.id, facts))
    return out


async def _from_history(db: AsyncSession, ids: list[int]) -> tuple[dict[int, str], dict[int, datetime]]:
    owners: dict[int, str] = {}
    chased: dict[int, datetime] = {}
    dialect = dialect_of(db)
    for chunk in id_chunks(ids, dialect):
        stmt = (
            select(TicketAction.ticket_id, TicketAction.action, TicketAction.actor, TicketAction.at)
            .where(
                ids_in(TicketAction.ticket_id, chunk, dialect),
                TicketAction.action.in_([*_TAKES_IN_HAND, TicketActionKind.CHASE]),
            )
            .order_by(TicketAction.id)
        )
        for ticket_id, action, actor, at in (await db.execute(stmt)).all():
            if action is TicketActionKind.CHASE:
                if actor != JOB_ACTOR:
                    chased[ticket_id] = at
            elif is_user_actor(actor):
                owners[ticket_id] = actor
    return owners, chased
