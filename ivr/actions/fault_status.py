"""Before a new fault report: if this number already has an open fault ticket, the caller hears its
status instead of opening a duplicate."""

from __future__ import annotations

from collections.abc import Mapping

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall, OpenedTicket
from prompts.speech import digits, hours, phrase, play
from storage.ticket_lifecycle import TicketKind
from storage.tickets import open_tickets_for_number


@action("open_fault_status", {"open", "none"})
async def open_fault_status(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Read the status of the newest open fault ticket of the caller's number, if any."""
    if not call.caller.number:
        return ActionResult("none")
    async with call.sessions() as db:
        tickets = await open_tickets_for_number(db, call.caller.number, TicketKind.FAULT)
    if not tickets:
        return ActionResult("none")
    ticket = tickets[0]
    if ticket.number is None:  # a row another writer left half made: nothing to read to the caller
        raise ValueError(f"open fault ticket {ticket.id} has no number")
    call.ticket = OpenedTicket(ticket.id, ticket.number, ticket.kind, ticket.category)
    call.served = True
    now = call.clock()
    lang = call.language
    speech = phrase(
        "fault_open", lang, ticket=digits(ticket.number), status=play(f"status_{ticket.status.value}")
    )
    if ticket.due_at is not None and ticket.due_at > now:
        speech += phrase("fault_open_due", lang, hours=hours(ticket.due_at - now, lang))
    elif ticket.due_at is not None:
        speech += play("fault_open_overdue")
    return ActionResult("open", await call.say(speech))
