"""The arrears job: who gets a reminder.  From the billing store, every account whose latest bill
still has an amount due (at least ``[outbound] arrears_min_fen``) past its due date, as a contact
of the arrears campaign (automated, created running on first use).  The reference is
``<account>:<period>``, so each overdue bill is reminded once however often the job runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outbound.campaign import Campaign, CampaignEvent, CampaignKind, CampaignState
from outbound.campaign_store import CampaignStore
from outbound.contact import Contact
from outbound.errors import InvalidNumber
from outbound.pacing import AutomatedPacing
from outbound.phone_number import normalize_number
from outbound.settings import OutboundSettings
from storage.billing import Account, Bill

__all__ = ["ArrearsJob"]

log = structlog.get_logger(__name__)


class ArrearsJob:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        campaigns: CampaignStore,
        settings: OutboundSettings,
        clock: Callable[[], datetime],
        tz: ZoneInfo,
    ) -> None:
        self._sessions = sessions
        self._campaigns = campaigns
        self._settings = settings
        self._clock = clock
        self._tz = tz

    async def overdue(self) -> list[Contact]:
        """The reminder list as of now (local date in ``tz``)."""
        today = self._clock().astimezone(self._tz).date()
        latest = (
            select(Bill.account_id, func.max(Bill.period).label("period"))
            .group_by(Bill.account_id)
            .subquery()
        )
        stmt = (
            select(Account, Bill)
            .join(latest, latest.c.account_id == Account.id)
            .join(Bill, (Bill.account_id == Account.id) & (Bill.period == latest.c.period))
            .where(Bill.amount_due_fen >= self._settings.arrears_min_fen, Bill.due_date < today)
            .order_by(Account.number)
        )
        contacts = []
        async with self._sessions() as db:
            for account, bill in (await db.execute(stmt)).all():
                try:
                    number = normalize_number(account.number)
                except InvalidNumber:
                    log.warning("arrears: account number not dialable", account=account.number)
                    continue
                contacts.append(
                    Contact(
                        number=number, name=account.holder, prefecture=account.prefecture,
                        reference=f"{account.number}:{bill.period}",
                        extra=(
                            ("amount_due", str(bill.amount_due_fen)),
                            ("due_date", bill.due_date.isoformat()),
                        ),
                    )
                )  # fmt: skip
        return contacts

    async def run(self) -> int:
        """Add the overdue accounts to the arrears campaign; returns how many were new."""
        campaign_id = self._settings.arrears_campaign
        if await self._campaigns.find(campaign_id) is None:
            now = self._clock()
            campaign = Campaign(
                id=campaign_id, name="欠费催缴 arrears reminders", kind=CampaignKind.ARREARS_REMINDER,
                pacing=AutomatedPacing(5), state=CampaignState.DRAFT,
            )  # fmt: skip
            await self._campaigns.create(campaign, prefecture=None, created_by="outbound", now=now)
            await self._campaigns.move(campaign_id, CampaignEvent.START, now)
        added = await self._campaigns.add_contacts(campaign_id, await self.overdue(), self._clock())
        log.info("arrears reminders listed", campaign=campaign_id, added=added)
        return added
