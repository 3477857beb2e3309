"""The voice-call notifier (自动回复 by phone): a closed ticket's customer is put on the standing
notice campaign of the outbound dialer, which calls them within the calling hours and plays
``notice_ticket_closed`` (:mod:`outbound.scripts.notice`). The notice row says ``queued`` with the
campaign contact as its reference, or ``failed`` when the number cannot be called (not a phone
number); a number on the do-not-call list is refused by the dialer when its turn comes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.desk.customer_notice import EVENT_TICKET_CLOSED, ClosedTicket, notice_text
from outbound.campaign import Campaign, CampaignEvent, CampaignKind, CampaignState
from outbound.campaign_store import CampaignStore
from outbound.contact import Contact
from outbound.errors import OutboundError
from outbound.pacing import AutomatedPacing
from outbound.phone_number import normalize_number
from storage.customer_notices import CustomerNotice, NoticeStatus

__all__ = ["NOTICE_CAMPAIGN", "VoiceCallNotifier"]

log = structlog.get_logger(__name__)

NOTICE_CAMPAIGN = "ticket-notices"


class VoiceCallNotifier:
    name = "voice"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        campaigns: CampaignStore,
        clock: Callable[[], datetime],
        *,
        campaign_id: str = NOTICE_CAMPAIGN,
        max_calls: int = 2,
    ) -> None:
        self._sessions = sessions
        self._campaigns = campaigns
        self._clock = clock
        self.campaign_id = campaign_id
        self._max_calls = max_calls

    async def ensure_campaign(self) -> None:
        """The standing notice campaign (automated, running), made on first use."""
        if await self._campaigns.find(self.campaign_id) is not None:
            return
        now = self._clock()
        campaign = Campaign(
            id=self.campaign_id, name="自动回复 closed-ticket notices", kind=CampaignKind.TICKET_NOTICE,
            pacing=AutomatedPacing(self._max_calls), state=CampaignState.DRAFT,
        )  # fmt: skip
        await self._campaigns.create(campaign, prefecture=None, created_by="auto-reply", now=now)
        await self._campaigns.move(self.campaign_id, CampaignEvent.START, now)

    async def ticket_closed(self, ticket: ClosedTicket) -> NoticeStatus:
        now = self._clock()
        status, reference = NoticeStatus.FAILED, ""
        try:
            await self.ensure_campaign()
            contact = Contact(
                number=normalize_number(ticket.caller_number), name=ticket.caller_number,
                prefecture=ticket.prefecture, reference=ticket.number,
                extra=(("language", ticket.language.value),), next_attempt_at=now,
            )  # fmt: skip
            added = await self._campaigns.add_contacts(self.campaign_id, [contact], now)
            status, reference = NoticeStatus.QUEUED, f"{self.campaign_id}:{contact.number}"
            log.info("customer notice queued", ticket=ticket.number, added=added)
        except OutboundError as exc:
            log.warning("customer notice not queued", ticket=ticket.number, error=str(exc))
        async with self._sessions() as db:
            db.add(
                CustomerNotice(
                    ticket_number=ticket.number, order_number=None, number=ticket.caller_number[:32],
                    prefecture=ticket.prefecture, event=EVENT_TICKET_CLOSED, channel="voice", status=status,
                    language=ticket.language.value, text=notice_text(ticket), reference=reference,
                    created_at=now,
                )
            )  # fmt: skip
            await db.commit()
        return status
