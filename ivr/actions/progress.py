"""Ticket progress: a caller hears the status and due time of each of their open tickets —
complaints, faults, suggestions — and of their orders under way, or of any ticket or order whose
number they key. Only the status and the time limit are read: nothing personal, so a number
keyed from another phone is answered too."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import or_, select

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall
from prompts.language import Language
from prompts.speech import Speech, digits, hours, phrase, play
from storage.service_orders import ServiceOrder, is_order_number, order_by_number, orders_of
from storage.ticket_lifecycle import OPEN_STATUSES
from storage.ticket_numbers import is_valid_ticket_number
from storage.tickets import Ticket, ticket_by_number

__all__ = ["find_ticket", "ticket_progress"]

MAX_READ = 5


def ticket_speech(ticket: Ticket, now: datetime, language: Language) -> Speech:
    assert ticket.number is not None
    out = phrase(
        "progress_ticket",
        language,
        kind=play(f"kind_{ticket.kind.value}"),
        ticket=digits(ticket.number),
        status=play(f"status_{ticket.status.value}"),
    )
    if ticket.status in OPEN_STATUSES and ticket.due_at is not None:
        if ticket.due_at > now:
            out += phrase("fault_open_due", language, hours=hours(ticket.due_at - now, language))
        else:
            out += play("fault_open_overdue")
    return out


def order_speech(order: ServiceOrder, language: Language) -> Speech:
    assert order.number is not None
    status = play(f"order_status_{order.status.value}")
    return phrase("progress_order", language, order=digits(order.number), status=status)


@action("ticket_progress", {"read", "none"})
async def ticket_progress(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Read the caller's open tickets (by number and by customer) and open orders, newest first."""
    caller = call.caller
    number = caller.number or call.channel.env.callerid
    whose = [Ticket.caller_number == number]
    if caller.customer_id is not None:
        whose.append(Ticket.customer_id == caller.customer_id)
    stmt = (
        select(Ticket)
        .where(or_(*whose), Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(MAX_READ)
    )
    async with call.sessions() as db:
        tickets = list((await db.execute(stmt)).scalars()) if number or caller.customer_id else []
        orders = await orders_of(db, caller.customer_id, open_only=True) if caller.customer_id else []
    if not tickets and not orders:
        return ActionResult("none", await call.say(play("progress_none")))
    now, lang = call.clock(), call.language
    speech: Speech = ()
    for ticket in tickets:
        speech += ticket_speech(ticket, now, lang)
    for order in orders[:MAX_READ]:
        speech += order_speech(order, lang)
    call.served = True
    return ActionResult("read", await call.say(speech))


@action("find_ticket", {"read", "not_found"}, required={"variable"})
async def find_ticket(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Read the status of the ticket or order whose number was keyed (``args.variable``)."""
    keyed = call.variables.get(args["variable"], "")
    async with call.sessions() as db:
        ticket = await ticket_by_number(db, keyed) if is_valid_ticket_number(keyed) else None
        order = await order_by_number(db, keyed) if ticket is None and is_order_number(keyed) else None
    if ticket is not None:
        speech = ticket_speech(ticket, call.clock(), call.language)
    elif order is not None:
        speech = order_speech(order, call.language)
    else:
        return ActionResult("not_found")
    call.served = True
    return ActionResult("read", await call.say(speech))
