"""自动回复 by phone: closing a ticket puts its customer on the standing notice campaign, in their
language; a number that is no phone number is recorded as a failed notice. (SQLite and PostgreSQL.)"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.desk.customer_notice import ClosedTicket
from cti.desk.customer_notice_call import NOTICE_CAMPAIGN, VoiceCallNotifier
from cti.desk.ticket_desk import TicketDesk
from outbound.calendar import HolidayCalendar
from outbound.campaign import CampaignKind, CampaignState
from outbound.campaign_store import CampaignStore
from outbound.dialplan import NOTICE_CONTEXT, context_for
from prompts.language import Language
from storage.customer_notices import CustomerNotice, NoticeStatus
from storage.ticket_lifecycle import TicketKind
from storage.tickets import NewTicket, open_ticket
from storage.users import Role

NOW = datetime(2025, 10, 13, 2, 0, tzinfo=UTC)
AGENT = Principal(7, "agent1001", Role.AGENT_JUNIOR, "lanzhou", "agent-1001")


async def _no_caller(agent_id: str) -> None:
    return None


async def test_closing_a_ticket_queues_a_call_that_tells_the_customer(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    store = CampaignStore(db_sessions, HolidayCalendar())
    notifier = VoiceCallNotifier(db_sessions, store, lambda: NOW)
    desk = TicketDesk(db_sessions, _no_caller, NOW.timestamp, notifier=notifier)  # no 回访: closed at once
    async with db_sessions() as db:
        ticket = await open_ticket(
            db, NewTicket(TicketKind.FAULT, "lanzhou", "13800000001", "agent", category="sms"), NOW
        )
        await db.commit()
    assert ticket.number is not None
    view = await desk.close(AGENT, ticket.number, "短信中心已修复")
    assert (view["status"], view["notice"]) == ("closed", "queued")
    (campaign,) = await store.all()
    assert (campaign.campaign.id, campaign.campaign.kind, campaign.campaign.state) == (
        NOTICE_CAMPAIGN, CampaignKind.TICKET_NOTICE, CampaignState.RUNNING,
    )  # fmt: skip
    assert context_for(campaign.campaign) == NOTICE_CONTEXT
    (stored,) = await store.contacts(NOTICE_CAMPAIGN)
    assert (stored.contact.number, stored.contact.reference) == ("13800000001", ticket.number)
    assert stored.contact.extra_value("language") == "zh" and stored.contact.next_attempt_at == NOW
    async with db_sessions() as db:
        notice = (await db.execute(select(CustomerNotice))).scalar_one()
    assert (notice.channel, notice.status, notice.reference) == (
        "voice",
        NoticeStatus.QUEUED,
        "ticket-notices:13800000001",
    )


async def test_a_number_that_cannot_be_called_is_a_failed_notice(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    store = CampaignStore(db_sessions, HolidayCalendar())
    notifier = VoiceCallNotifier(db_sessions, store, lambda: NOW)
    status = await notifier.ticket_closed(
        ClosedTicket("00000034", "unknown", "lanzhou", Language.EN, "complaint")
    )
    assert status is NoticeStatus.FAILED
    assert await store.contacts(NOTICE_CAMPAIGN) == []
    async with db_sessions() as db:
        notice = (await db.execute(select(CustomerNotice))).scalar_one()
    assert (notice.status, notice.language) == (NoticeStatus.FAILED, "en") and "00000034" in notice.text
