"""Closing a ticket schedules its 回访; the survey closes it or reopens it to the manager hotline;
a 回访 nobody answered closes it, saying so.  (On SQLite and PostgreSQL.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.desk.ticket_desk import TicketDesk
from outbound.calendar import HolidayCalendar
from outbound.campaign import CampaignState
from outbound.campaign_store import CampaignStore
from outbound.contact import ContactStatus
from outbound.outcomes import Outcome
from outbound.settings import OutboundSettings
from outbound.ticket_callback import TicketCallbacks
from storage.ticket_lifecycle import TicketActionKind, TicketKind, TicketStatus
from storage.tickets import NewTicket, open_ticket, ticket_by_number, ticket_history, time_limits
from storage.users import Role

NOW = datetime(2025, 10, 13, 2, 0, tzinfo=UTC)
AGENT = Principal(7, "agent1001", Role.AGENT_JUNIOR, "lanzhou", "agent-1001")


async def _no_caller(agent_id: str) -> None:
    return None


async def _ticket(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as db:
        ticket = await open_ticket(
            db,
            NewTicket(TicketKind.COMPLAINT, "lanzhou", "13800000001", "agent", category="billing_dispute"),
            NOW,
        )
        await db.commit()
        assert ticket.number is not None
        return ticket.number


async def test_closing_a_ticket_waits_for_its_callback(db_sessions: async_sessionmaker[AsyncSession]) -> None:
    store = CampaignStore(db_sessions, HolidayCalendar())
    callbacks = TicketCallbacks(db_sessions, store, OutboundSettings(survey_delay_h=24), lambda: NOW)
    desk = TicketDesk(db_sessions, _no_caller, NOW.timestamp, callbacks=callbacks)
    number = await _ticket(db_sessions)
    view = await desk.close(AGENT, number, "explained the charge")
    assert view["status"] == "callback"
    (campaign,) = await store.all()
    assert (campaign.campaign.id, campaign.campaign.state) == ("callback-survey", CampaignState.RUNNING)
    (stored,) = await store.contacts("callback-survey")
    assert (stored.contact.reference, stored.contact.number) == (number, "13800000001")
    assert stored.contact.next_attempt_at == NOW + timedelta(hours=24)
    assert stored.contact.extra_value("agent") == "agent-1001"

    assert await callbacks.surveyed(number, 2.0, "ob-1") is True  # at the threshold: reopened
    async with db_sessions() as db:
        ticket = await ticket_by_number(db, number)
        assert ticket is not None and ticket.status is TicketStatus.DISPATCHED
        history = await ticket_history(db, ticket.id)
    assert [h.action for h in history][-2:] == [TicketActionKind.CALLBACK, TicketActionKind.REOPEN]
    assert history[-1].note.startswith("manager_hotline: repeat complaint")


async def test_a_reopened_ticket_gets_its_time_limit_again_from_the_reopening(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    later = NOW + timedelta(days=5)  # the 回访 comes days after the ticket's first due time
    clock = [NOW]
    store = CampaignStore(db_sessions, HolidayCalendar())
    callbacks = TicketCallbacks(db_sessions, store, OutboundSettings(survey_delay_h=0), lambda: clock[0])
    desk = TicketDesk(db_sessions, _no_caller, NOW.timestamp, callbacks=callbacks)
    number = await _ticket(db_sessions)
    await desk.close(AGENT, number, "explained the charge")
    clock[0] = later
    assert await callbacks.surveyed(number, 1.0, "ob-3") is True
    async with db_sessions() as db:
        ticket = await ticket_by_number(db, number)
    assert ticket is not None and ticket.status is TicketStatus.DISPATCHED
    limit = time_limits(TicketKind.COMPLAINT, "billing_dispute").due
    assert limit is not None and ticket.due_at == later + limit
    assert not ticket.is_overdue(later + limit / 2)


async def test_a_good_score_closes_and_an_unreached_callback_closes_too(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    store = CampaignStore(db_sessions, HolidayCalendar())
    callbacks = TicketCallbacks(db_sessions, store, OutboundSettings(survey_delay_h=0), lambda: NOW)
    desk = TicketDesk(db_sessions, _no_caller, NOW.timestamp, callbacks=callbacks)
    good, unreached = await _ticket(db_sessions), await _ticket(db_sessions)
    await desk.close(AGENT, good, "fixed")
    await desk.close(AGENT, unreached, "fixed")
    assert await callbacks.surveyed(good, 2.5, "ob-2") is False
    contacts = {s.contact.reference: s for s in await store.contacts("callback-survey")}
    gone = contacts[unreached]
    gave_up = replace(
        gone, contact=replace(gone.contact, status=ContactStatus.GAVE_UP, last_outcome=Outcome.NO_ANSWER)
    )
    info = await store.get("callback-survey")
    await callbacks.gave_up(info.campaign, gave_up)
    async with db_sessions() as db:
        statuses = {n: (await ticket_by_number(db, n)).status for n in (good, unreached)}  # type: ignore[union-attr]
        last = (await ticket_history(db, (await ticket_by_number(db, unreached)).id))[-1]  # type: ignore[union-attr]
    assert statuses == {good: TicketStatus.CLOSED, unreached: TicketStatus.CLOSED}
    assert last.note == "回访 not reached (gave_up: no_answer)"


async def test_without_outbound_closing_closes(db_sessions: async_sessionmaker[AsyncSession]) -> None:
    desk = TicketDesk(db_sessions, _no_caller, NOW.timestamp)
    number = await _ticket(db_sessions)
    assert (await desk.close(AGENT, number, "done"))["status"] == "closed"
