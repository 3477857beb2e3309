"""Tickets the IVR opens: from what the caller chose (the draft built by menu options, completed by
the ticket node), or, when the caller hangs up half-way, as ``abandoned_in_ivr`` so nothing they
said is lost."""

from __future__ import annotations

from cti.storage.ticket_lifecycle import Severity, TicketStatus
from cti.storage.tickets import NewTicket, open_ticket
from ivr.call import IvrCall, OpenedTicket
from ivr.menu import TicketFields


class IncompleteTicket(ValueError):
    """The menu reached a ticket node without saying what kind of ticket it is."""


async def open_ivr_ticket(
    call: IvrCall, fields: TicketFields, status: TicketStatus = TicketStatus.ACCEPTED
) -> OpenedTicket:
    if fields.kind is None:
        raise IncompleteTicket("no ticket kind chosen before the ticket node")
    caller = call.caller
    new = NewTicket(
        kind=fields.kind,
        category=fields.category,
        subcategory=fields.subcategory,
        severity=fields.severity or Severity.ORDINARY,
        prefecture=caller.prefecture,
        caller_number=caller.number or call.channel.env.callerid,
        customer_id=caller.customer_id,
        created_via="ivr",
        ivr_session_id=call.ivr_session_id,
        status=status,
    )
    async with call.sessions() as db:
        ticket = await open_ticket(db, new, call.clock())
        await db.commit()
    assert ticket.number is not None
    opened = OpenedTicket(ticket.id, ticket.number, ticket.kind.value, ticket.category)
    call.log.info("ivr.ticket_opened", ticket=ticket.number, kind=ticket.kind.value, status=status.value)
    return opened


async def save_abandoned_draft(call: IvrCall) -> OpenedTicket | None:
    """The caller hung up with a ticket under way: keep it as ``abandoned_in_ivr``."""
    if not call.has_draft:
        return None
    opened = await open_ivr_ticket(call, call.draft, TicketStatus.ABANDONED_IN_IVR)
    call.draft = TicketFields()
    return opened
