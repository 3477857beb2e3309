"""Tickets the IVR opens: from what the caller chose (the draft built by menu options, completed by
the ticket node), or, when the caller hangs up half-way, as ``abandoned_in_ivr`` so nothing they
said is lost."""

from __future__ import annotations

from ivr.call import IvrCall, OpenedTicket
from ivr.menu import TicketFields
from ivr.row_writer import OpenTicket
from storage.db import retry_locked
from storage.ticket_lifecycle import Severity, TicketStatus
from storage.ticket_numbers import ticket_number_for
from storage.tickets import NewTicket, Ticket, open_ticket, time_limits


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
    reserved = call.rows.ticket_ids.take() if call.rows is not None else None
    if call.rows is not None and reserved is not None:
        # numbered now from a reserved id and written behind (with the database away, when it returns)
        time_limits(new.kind, new.category)  # an unknown category fails here, not in the buffer
        call.rows.keep(OpenTicket(reserved, new, call.clock()))
        opened = OpenedTicket(reserved, ticket_number_for(reserved), new.kind, new.category)
    else:
        now = call.clock()

        async def insert() -> Ticket:
            async with call.sessions() as db:
                ticket = await open_ticket(db, new, now)
                await db.commit()
                return ticket

        # SQLite (no ids reserved): another writer may hold the lock past the busy timeout
        ticket = await retry_locked(insert)
        if ticket.number is None:
            raise ValueError("open_ticket left the ticket without a number")
        opened = OpenedTicket(ticket.id, ticket.number, ticket.kind, ticket.category)
    call.log.info("ivr.ticket_opened", ticket=opened.number, kind=opened.kind.value, status=status.value)
    return opened


async def save_abandoned_draft(call: IvrCall) -> OpenedTicket | None:
    """The caller hung up with a ticket under way: keep it as ``abandoned_in_ivr``."""
    if not call.has_draft:
        return None
    opened = await open_ivr_ticket(call, call.draft, TicketStatus.ABANDONED_IN_IVR)
    call.draft = TicketFields()
    return opened
