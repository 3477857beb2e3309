"""Tickets from the agent's screen: view, open, update, dispatch (派单), chase (追单), return (退单),
close with a resolution.  Every change is a row of the ticket's history, with the user as actor.

Scope: a user sees and changes the tickets of their prefecture (provincial staff: all); an
agent also those of the caller on their current call, whatever the caller's prefecture.
Closing a ticket that has been dispatched to a department is a second review (permission
``ticket-review``: senior agents, the manager hotline, supervisors); a junior agent closes only
what was answered on the spot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.api.errors import BadRequest, Conflict, Forbidden, NotFound, OutOfScope
from cti.api.roles import Permission, Principal
from cti.api.schemas import CreateTicketBody, UpdateTicketBody
from cti.api.screen_pop import ticket_view
from cti.storage.customers import find_customer_by_number
from cti.storage.ticket_lifecycle import OPEN_STATUSES, TicketActionKind, TicketStatus
from cti.storage.tickets import NewTicket, Ticket, TicketAction, move_ticket, open_ticket, ticket_history

__all__ = ["TicketDesk"]

log = structlog.get_logger(__name__)

# The caller's number and prefecture on an agent's current call, or None.
CurrentCaller = Callable[[str], Awaitable[tuple[str, str] | None]]

S = TicketStatus
_CHASEABLE = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.OVERDUE})
_ON_THE_SPOT = frozenset({S.ACCEPTED, S.ABANDONED_IN_IVR})


def _action_view(a: TicketAction) -> dict[str, Any]:
    return {
        "at": a.at.isoformat(),
        "action": a.action.value,
        "actor": a.actor,
        "from_status": a.from_status.value if a.from_status else None,
        "to_status": a.to_status.value if a.to_status else None,
        "note": a.note,
    }


class TicketDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        current_caller: CurrentCaller,
        clock: Callable[[], float],
    ) -> None:
        self._sessions = sessions
        self._current_caller = current_caller
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def search(
        self, who: Principal, *, status: str | None, caller: str | None, limit: int
    ) -> list[dict[str, Any]]:
        stmt = select(Ticket)
        if who.scope is not None:
            mine = await self._caller_number(who)
            if mine is not None:
                stmt = stmt.where((Ticket.prefecture == who.scope) | (Ticket.caller_number == mine))
            else:
                stmt = stmt.where(Ticket.prefecture == who.scope)
        if status == "open":
            stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES))
        elif status:
            try:
                stmt = stmt.where(Ticket.status == TicketStatus(status))
            except ValueError:
                raise BadRequest(f"unknown ticket status {status!r}") from None
        if caller:
            stmt = stmt.where(Ticket.caller_number == caller)
        stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(max(1, min(limit, 200)))
        now = self._now()
        async with self._sessions() as db:
            return [ticket_view(t, now) for t in (await db.execute(stmt)).scalars()]

    async def get(self, who: Principal, number: str) -> dict[str, Any]:
        async with self._sessions() as db:
            ticket = await self._ticket(db, who, number)
            history = await ticket_history(db, ticket.id)
            return {**ticket_view(ticket, self._now()), "history": [_action_view(a) for a in history]}

    async def create(self, who: Principal, body: CreateTicketBody) -> dict[str, Any]:
        current = await self._current_caller(who.agent_id) if who.agent_id else None
        number = body.caller_number or (current[0] if current else None)
        if not number:
            raise BadRequest("name the caller's number (no current call to take it from)")
        now = self._now()
        async with self._sessions() as db:
            customer = await find_customer_by_number(db, number)
            prefecture = (
                customer.prefecture if customer else (current[1] if current else None) or who.prefecture
            )
            if not who.covers(prefecture) and not (current and current[0] == number):
                raise OutOfScope("that caller belongs to another prefecture")
            try:
                ticket = await open_ticket(
                    db,
                    NewTicket(
                        kind=body.kind, prefecture=prefecture, caller_number=number, created_via="agent",
                        category=body.category, subcategory=body.subcategory, severity=body.severity,
                        customer_id=customer.id if customer else None, description=body.description,
                        actor=f"user-{who.user_id}",
                    ),
                    now,
                )  # fmt: skip
            except KeyError:
                raise BadRequest(f"unknown category {body.category!r} for a {body.kind.value}") from None
            await db.commit()
            log.info("api ticket opened", ticket=ticket.number, user_id=who.user_id)
            return ticket_view(ticket, now)

    async def update(self, who: Principal, number: str, body: UpdateTicketBody) -> dict[str, Any]:
        now = self._now()
        async with self._sessions() as db:
            ticket = await self._ticket(db, who, number)
            changed = []
            for name in ("description", "severity", "category", "subcategory"):
                value = getattr(body, name)
                if value is not None and getattr(ticket, name) != value:
                    setattr(ticket, name, value)
                    changed.append(name)
            if not changed and not body.note:
                raise BadRequest("nothing to change")
            note = (f"changed: {', '.join(changed)}. " if changed else "") + body.note
            db.add(
                TicketAction(
                    ticket_id=ticket.id, at=now, action=TicketActionKind.NOTE, actor=f"user-{who.user_id}",
                    from_status=ticket.status, to_status=ticket.status, note=note.strip(),
                )
            )  # fmt: skip
            ticket.updated_at = now
            await db.commit()
            return ticket_view(ticket, now)

    async def dispatch(self, who: Principal, number: str, department: str, note: str) -> dict[str, Any]:
        text = f"{department}: {note}" if note else department
        return await self._move(who, number, S.DISPATCHED, TicketActionKind.DISPATCH, text)

    async def return_(self, who: Principal, number: str, note: str) -> dict[str, Any]:
        return await self._move(who, number, S.RETURNED, TicketActionKind.RETURN, note)

    async def chase(self, who: Principal, number: str, note: str) -> dict[str, Any]:
        now = self._now()
        async with self._sessions() as db:
            ticket = await self._ticket(db, who, number)
            if ticket.status not in _CHASEABLE:
                raise Conflict(f"a ticket that is {ticket.status.value} cannot be chased")
            db.add(
                TicketAction(
                    ticket_id=ticket.id, at=now, action=TicketActionKind.CHASE, actor=f"user-{who.user_id}",
                    from_status=ticket.status, to_status=ticket.status, note=note,
                )
            )  # fmt: skip
            ticket.updated_at = now
            await db.commit()
            return ticket_view(ticket, now)

    async def close(self, who: Principal, number: str, resolution: str) -> dict[str, Any]:
        now = self._now()
        actor = f"user-{who.user_id}"
        async with self._sessions() as db:
            ticket = await self._ticket(db, who, number)
            if ticket.status not in _ON_THE_SPOT and not who.may(Permission.TICKET_REVIEW):
                raise Forbidden(
                    "closing a dispatched ticket is a second review for a senior agent",
                    permission=Permission.TICKET_REVIEW.value,
                )
            if ticket.status not in _ON_THE_SPOT and ticket.status is not S.REPLIED:
                await move_ticket(db, ticket, S.REPLIED, TicketActionKind.REPLY, actor, now, resolution)
            await move_ticket(db, ticket, S.CLOSED, TicketActionKind.CLOSE, actor, now, resolution)
            await db.commit()
            log.info("api ticket closed", ticket=ticket.number, user_id=who.user_id)
            return ticket_view(ticket, now)

    async def _move(
        self, who: Principal, number: str, target: TicketStatus, action: TicketActionKind, note: str
    ) -> dict[str, Any]:
        now = self._now()
        async with self._sessions() as db:
            ticket = await self._ticket(db, who, number)
            await move_ticket(db, ticket, target, action, f"user-{who.user_id}", now, note)
            await db.commit()
            log.info("api ticket moved", ticket=ticket.number, action=action.value, user_id=who.user_id)
            return ticket_view(ticket, now)

    async def _ticket(self, db: AsyncSession, who: Principal, number: str) -> Ticket:
        if not number.isdigit() or len(number) > 16:
            raise NotFound("no such ticket")
        ticket = (await db.execute(select(Ticket).where(Ticket.number == number))).scalar_one_or_none()
        if ticket is None:
            raise NotFound("no such ticket")
        if not who.covers(ticket.prefecture) and ticket.caller_number != await self._caller_number(who):
            raise OutOfScope("that ticket belongs to another prefecture")
        return ticket

    async def _caller_number(self, who: Principal) -> str | None:
        if who.agent_id is None:
            return None
        current = await self._current_caller(who.agent_id)
        return None if current is None else current[0]
