"""A department's side of dispatched tickets (派单): its queue, and taking, answering or returning
(退单) what waits in it — for users of role ``department``, each of one department.

A department user sees only what was dispatched to their own department (whatever the ticket's
prefecture: a provincial department takes every prefecture's); the rules are the pure core's
(:mod:`workflow.dispatch`), the ticket follows (:func:`~workflow.dispatch.ticket_status_after`):
taking puts it in progress, a return sends it back to the desk (``returned``), an answer is
written in its history for the desk to reply to the customer.  The ticket's owner and the
prefecture's floor hear of answers and returns over the WebSocket (``ticket.answered``,
``ticket.returned``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.calls.screen_pop import ticket_view
from cti.errors import BadRequest, Conflict, Forbidden, NotFound, OutOfScope
from cti.notifier import Hub, floor_topics, user_topic
from storage.departments import department_by_code
from storage.ticket_dispatches import TicketDispatch, current_dispatches, waiting_in
from storage.ticket_lifecycle import OPEN_STATUSES, TicketActionKind, check_move
from storage.tickets import Ticket, TicketAction, move_ticket, ticket_history
from workflow.dispatch import DispatchEvent, department_queue, ticket_status_after, transition
from workflow.dispatch_records import dispatch_of, owner_of, save_transition
from workflow.errors import IllegalMove, WorkflowError

__all__ = ["DepartmentDesk", "dispatch_view"]

log = structlog.get_logger(__name__)

_ACTION = {
    DispatchEvent.TAKE: TicketActionKind.START,
    DispatchEvent.ANSWER: TicketActionKind.ANSWER,
    DispatchEvent.RETURN: TicketActionKind.RETURN,
}
_NEWS = {DispatchEvent.ANSWER: "ticket.answered", DispatchEvent.RETURN: "ticket.returned"}


def dispatch_view(row: TicketDispatch) -> dict[str, Any]:
    return {
        "department": row.department,
        "state": row.state,
        "dispatched_by": row.dispatched_by,
        "queued_at": row.queued_at.isoformat(),
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "since": row.since.isoformat() if row.since else None,
        "taken_by": row.taken_by,
        "answer": row.answer,
        "return_reason": row.return_reason,
        "closed_by": row.closed_by,
    }


def own_department(who: Principal) -> str:
    if who.department is None:
        raise Forbidden("this user is not of a department")
    return who.department


class DepartmentDesk:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], hub: Hub, clock: Callable[[], float]
    ) -> None:
        self._sessions = sessions
        self._hub = hub
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def queue(self, who: Principal) -> dict[str, Any]:
        """What the user's department still has to answer, the earliest due first."""
        code = own_department(who)
        now = self._now()
        async with self._sessions() as db:
            department = await department_by_code(db, code)
            waiting = {r.ticket_id: r for r in await waiting_in(db, code)}
            current = await current_dispatches(db, list(waiting))
            # only the ticket's current dispatch: one sent elsewhere since is no longer this queue's
            rows = {t: r for t, r in waiting.items() if current[t].id == r.id}
            tickets = {
                t.id: t
                for t in (await db.execute(select(Ticket).where(Ticket.id.in_(list(rows))))).scalars()
                if t.status in OPEN_STATUSES
            }
            chases = await _chases(db, list(tickets))
        by_number = {(t.number or str(t.id)): t for t in tickets.values()}
        ordered = department_queue([dispatch_of(rows[t.id], number) for number, t in by_number.items()], code)
        items = []
        for d in ordered:
            ticket = by_number[d.ticket_id]
            count, last = chases.get(ticket.id, (0, None))
            items.append(
                {
                    **ticket_view(ticket, now),
                    "dispatch": dispatch_view(rows[ticket.id]),
                    "chases": count,
                    "last_chased_at": last.isoformat() if last else None,
                }
            )
        names = (department.name_zh, department.name_en) if department else (code, code)
        return {"department": {"code": code, "name_zh": names[0], "name_en": names[1]}, "tickets": items}

    async def ticket(self, who: Principal, number: str) -> dict[str, Any]:
        """A ticket dispatched to the user's department (now or before), with its history."""
        code = own_department(who)
        async with self._sessions() as db:
            ticket = await _ticket(db, number)
            mine = list(
                (
                    await db.execute(
                        select(TicketDispatch)
                        .where(TicketDispatch.ticket_id == ticket.id, TicketDispatch.department == code)
                        .order_by(TicketDispatch.id)
                    )
                ).scalars()
            )
            if not mine:
                raise OutOfScope("that ticket was not dispatched to your department")
            history = await ticket_history(db, ticket.id)
        return {
            **ticket_view(ticket, self._now()),
            "dispatches": [dispatch_view(r) for r in mine],
            "history": [
                {"at": a.at.isoformat(), "action": a.action.value, "actor": a.actor, "note": a.note}
                for a in history
            ],
        }

    async def take(self, who: Principal, number: str) -> dict[str, Any]:
        return await self._act(who, number, DispatchEvent.TAKE, "")

    async def answer(self, who: Principal, number: str, text: str) -> dict[str, Any]:
        return await self._act(who, number, DispatchEvent.ANSWER, text)

    async def return_(self, who: Principal, number: str, reason: str) -> dict[str, Any]:
        return await self._act(who, number, DispatchEvent.RETURN, reason)

    async def _act(self, who: Principal, number: str, event: DispatchEvent, text: str) -> dict[str, Any]:
        code = own_department(who)
        if event is not DispatchEvent.TAKE and not text.strip():
            raise BadRequest("an answer says what was done; a return says why")
        now = self._now()
        actor = f"user-{who.user_id}"
        async with self._sessions() as db:
            ticket = await _ticket(db, number)
            row = (await current_dispatches(db, [ticket.id])).get(ticket.id)
            if row is None or row.department != code:
                raise OutOfScope("that ticket is not dispatched to your department")
            target = ticket_status_after(event, ticket.status)
            if target is not None:
                check_move(number, ticket.status, target)
            try:
                new = transition(
                    dispatch_of(row, number), event, now, actor=actor, actor_department=code, text=text
                )
            except IllegalMove as exc:
                raise Conflict(str(exc), state=row.state) from None
            except WorkflowError as exc:
                raise BadRequest(str(exc)) from None
            if not await save_transition(db, row, new):
                raise Conflict("the dispatch changed meanwhile; reload it")
            note = f"{code}: {text}" if text else code
            if target is not None:
                await move_ticket(db, ticket, target, _ACTION[event], actor, now, note)
            else:
                db.add(
                    TicketAction(
                        ticket_id=ticket.id, at=now, action=_ACTION[event], actor=actor,
                        from_status=ticket.status, to_status=ticket.status, note=note,
                    )
                )  # fmt: skip
                ticket.updated_at = now
            await db.commit()
            owner = await owner_of(db, ticket.id)
            await db.refresh(row)
            view = {**ticket_view(ticket, now), "dispatch": dispatch_view(row)}
        log.info("department acted", ticket=number, what=event.value, department=code, user_id=who.user_id)
        if event in _NEWS:
            news = {"ticket_number": number, "department": code, "event": event.value, "text": text}
            topics = [*floor_topics(ticket.prefecture)]
            if owner is not None:
                topics.append(user_topic(int(owner.partition("-")[2])))
            self._hub.publish(topics, _NEWS[event], news)
        return view


async def _ticket(db: AsyncSession, number: str) -> Ticket:
    if not number.isdigit() or len(number) > 16:
        raise NotFound("no such ticket")
    ticket = (await db.execute(select(Ticket).where(Ticket.number == number))).scalar_one_or_none()
    if ticket is None:
        raise NotFound("no such ticket")
    return ticket


async def _chases(db: AsyncSession, ticket_ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    if not ticket_ids:
        return {}
    stmt = (
        select(TicketAction.ticket_id, func.count(), func.max(TicketAction.at))
        .where(TicketAction.ticket_id.in_(ticket_ids), TicketAction.action == TicketActionKind.CHASE)
        .group_by(TicketAction.ticket_id)
    )
    return {ticket_id: (count, last) for ticket_id, count, last in (await db.execute(stmt)).all()}
