"""Tickets from the agent's screen: view, open, update, dispatch (派单), chase (追单), return (退单),
reply to the customer (回复), close with a resolution.  Every change is a row of the ticket's
history, with the user as actor.

A ticket is dispatched to a department of the directory (:mod:`storage.departments`) that takes
tickets of its prefecture (its own, or a provincial one); it then waits in that department's
queue (:mod:`cti.desk.department_desk`) until the department answers or returns it.  While it
waits it is not dispatched a second time.  A return the desk records (the department said so on
the phone) closes the department's side as the department's own return would.  A reply records
the channel, the time and what the customer was told (:mod:`workflow.customer_reply`); one that
reached the customer moves the ticket to ``replied``.
A closed ticket's customer is told so by the node's :class:`cti.desk.customer_notice.CustomerNotifier`
(自动回复), when it has one.

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

from cti.access.roles import Permission, Principal
from cti.calls.screen_pop import ticket_view
from cti.desk.customer_notice import ClosedTicket, CustomerNotifier
from cti.desk.department_desk import dispatch_view
from cti.desk.schemas import CreateTicketBody, ReplyBody, UpdateTicketBody
from cti.errors import BadRequest, Conflict, Forbidden, NotFound, OutOfScope
from cti.notifier import Hub, department_topic
from outbound.ticket_callback import TicketCallbacks
from prompts.language import Language
from storage.customer_replies import CustomerReplyRow, replies_of_ticket
from storage.customers import Customer, find_customer_by_number
from storage.departments import department_by_code
from storage.ticket_dispatches import WAITING_STATES, current_dispatches
from storage.ticket_lifecycle import OPEN_STATUSES, TicketActionKind, TicketStatus, check_move
from storage.tickets import NewTicket, Ticket, TicketAction, move_ticket, open_ticket, ticket_history
from workflow.customer_reply import CustomerReply, record_reply
from workflow.departments import Department
from workflow.dispatch import DispatchEvent, dispatch_ticket, transition
from workflow.dispatch_records import dispatch_of, new_row, save_transition
from workflow.errors import WorkflowError

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


def _reply_view(r: CustomerReplyRow) -> dict[str, Any]:
    return {
        "channel": r.channel,
        "by": r.by,
        "at": r.at.isoformat(),
        "summary": r.summary,
        "reached": r.reached,
    }


def _reply_view_of(reply: CustomerReply) -> dict[str, Any]:
    return {
        "channel": reply.channel.value,
        "by": reply.by,
        "at": reply.at.isoformat(),
        "summary": reply.summary,
        "reached": reply.reached,
    }


class TicketDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        current_caller: CurrentCaller,
        clock: Callable[[], float],
        hub: Hub | None = None,
        *,
        callbacks: TicketCallbacks | None = None,
        notifier: CustomerNotifier | None = None,
    ) -> None:
        self._sessions = sessions
        self._current_caller = current_caller
        self._clock = clock
        self._callbacks = callbacks
        self._hub = hub or Hub()
        self._notifier = notifier

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
            dispatch = (await current_dispatches(db, [ticket.id])).get(ticket.id)
            replies = await replies_of_ticket(db, ticket.id)
            return {
                **ticket_view(ticket, self._now()),
                "history": [_action_view(a) for a in history],
                "dispatch": dispatch_view(dispatch) if dispatch else None,
                "replies": [_reply_view(r) for r in replies],
            }

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
        now = self._now()
        actor = f"user-{who.user_id}"
        async with self._sessions() as db:
            ticket = await self._ticket(db, who, number)
            row = await department_by_code(db, department)
            if row is None or not row.active:
                raise BadRequest(f"there is no department {department!r}")
            current = (await current_dispatches(db, [ticket.id])).get(ticket.id)
            if current is not None and current.state in WAITING_STATES and ticket.status in OPEN_STATUSES:
                raise Conflict(f"the ticket waits at {current.department}: chase it, or wait for its answer")
            check_move(number, ticket.status, S.DISPATCHED)
            try:
                dispatch = dispatch_ticket(
                    number, Department(row.code, row.prefecture, row.name_zh, row.name_en),
                    ticket_prefecture=ticket.prefecture, by=actor, now=now, due_at=ticket.due_at,
                )  # fmt: skip
            except WorkflowError as exc:
                raise BadRequest(str(exc)) from None
            text = f"{department}: {note}" if note else department
            await move_ticket(db, ticket, S.DISPATCHED, TicketActionKind.DISPATCH, actor, now, text)
            db.add(new_row(ticket.id, dispatch))
            await db.commit()
            log.info("api ticket dispatched", ticket=number, department=department, user_id=who.user_id)
            view = ticket_view(ticket, now)
        self._hub.publish(department_topic(department), "ticket.dispatched", {"ticket_number": number})
        return view

    async def return_(self, who: Principal, number: str, note: str) -> dict[str, Any]:
        """The department's return, recorded at the desk (they said so on the phone)."""
        now = self._now()
        actor = f"user-{who.user_id}"
        async with self._sessions() as db:
            ticket = await self._ticket(db, who, number)
            check_move(number, ticket.status, S.RETURNED)
            row = (await current_dispatches(db, [ticket.id])).get(ticket.id)
            if row is not None and row.state in WAITING_STATES:
                try:
                    new = transition(
                        dispatch_of(row, number), DispatchEvent.RETURN, now,
                        actor=actor, actor_department=row.department, text=note,
                    )  # fmt: skip
                except WorkflowError as exc:
                    raise BadRequest(str(exc)) from None
                if not await save_transition(db, row, new):
                    raise Conflict("the dispatch changed meanwhile; reload it")
            await move_ticket(db, ticket, S.RETURNED, TicketActionKind.RETURN, actor, now, note)
            await db.commit()
            return ticket_view(ticket, now)

    async def reply(self, who: Principal, number: str, body: ReplyBody) -> dict[str, Any]:
        """Record a reply to the customer (回复); one that reached them moves the ticket to replied."""
        now = self._now()
        actor = f"user-{who.user_id}"
        async with self._sessions() as db:
            ticket = await self._ticket(db, who, number)
            try:
                reply = record_reply(
                    number, ticket_status=ticket.status, ticket_created_at=ticket.created_at,
                    channel=body.channel, by=actor, summary=body.summary, reached=body.reached, now=now,
                )  # fmt: skip
            except WorkflowError as exc:
                raise Conflict(str(exc)) from None
            db.add(
                CustomerReplyRow(
                    ticket_id=ticket.id, channel=reply.channel.value, by=actor, at=reply.at,
                    summary=reply.summary, reached=reply.reached,
                )
            )  # fmt: skip
            after = reply.ticket_status_after
            if after is not None:
                note = f"{reply.channel.value}: {reply.summary}"
                await move_ticket(db, ticket, after, TicketActionKind.REPLY, actor, now, note)
            await db.commit()
            log.info("api customer reply", ticket=number, reached=reply.reached, user_id=who.user_id)
            return {**ticket_view(ticket, now), "reply": _reply_view_of(reply)}

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
            # with outbound, the ticket waits for its 回访 (which closes or reopens it)
            callbacks = self._callbacks
            surveyed = callbacks is not None and await callbacks.schedule(db, ticket, actor, resolution)
            if not surveyed:
                await move_ticket(db, ticket, S.CLOSED, TicketActionKind.CLOSE, actor, now, resolution)
            await db.commit()
            if surveyed and self._callbacks is not None:
                await self._callbacks.enlist(ticket, who.agent_id)
            log.info("api ticket closed", ticket=ticket.number, user_id=who.user_id, callback=surveyed)
            view = ticket_view(ticket, now)
            customer = await db.get(Customer, ticket.customer_id) if ticket.customer_id else None
        # closed now: the customer is told (自动回复); waiting for its 回访, the survey call tells them
        if not surveyed and self._notifier is not None and ticket.number and ticket.caller_number:
            language = customer.language if customer is not None else Language.ZH
            closed = ClosedTicket(
                ticket.number, ticket.caller_number, ticket.prefecture, language, ticket.kind.value
            )
            try:
                view["notice"] = (await self._notifier.ticket_closed(closed)).value
            except Exception as exc:  # the close stands; the notice is the notifier's business
                log.error("customer notice failed", ticket=ticket.number, error=repr(exc))
                view["notice"] = "failed"
        return view

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
