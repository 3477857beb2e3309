"""The 回访 of a ticket: scheduled when the ticket is closed, ended by the survey.

* :meth:`TicketCallbacks.schedule` — an agent closes a complaint, fault or suggestion ticket: it
  goes to ``callback`` (not ``closed``) and its customer joins the survey campaign, due
  ``[outbound] survey_delay_h`` later;
* :meth:`TicketCallbacks.surveyed` — the survey's score: above the threshold the ticket is closed;
  at or below it the ticket is **reopened** (``REOPEN``) to the manager hotline (经理热线) as a
  repeat complaint;
* :meth:`TicketCallbacks.gave_up` — nobody could be reached (or the number is on the do-not-call
  list): the ticket is closed, saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outbound.campaign import Campaign, CampaignEvent, CampaignKind, CampaignState
from outbound.campaign_store import CampaignStore, StoredContact
from outbound.contact import Contact, ContactStatus
from outbound.errors import InvalidNumber
from outbound.pacing import AutomatedPacing
from outbound.phone_number import normalize_number
from outbound.settings import OutboundSettings
from storage.ticket_lifecycle import TicketActionKind, TicketStatus
from storage.tickets import Ticket, TicketAction, move_ticket, ticket_by_number
from storage.users import User

__all__ = ["MANAGER_HOTLINE", "TicketCallbacks", "ticket_agent"]

log = structlog.get_logger(__name__)

MANAGER_HOTLINE = "manager_hotline"  # the department a reopened ticket is dispatched to (经理热线)
_ACTOR = "outbound"


class TicketCallbacks:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        campaigns: CampaignStore,
        settings: OutboundSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._campaigns = campaigns
        self._settings = settings
        self._clock = clock

    @property
    def campaign_id(self) -> str:
        return self._settings.survey_campaign

    async def ensure_campaign(self) -> None:
        """The standing survey campaign (automated, running), created on first use."""
        if await self._campaigns.find(self.campaign_id) is not None:
            return
        now = self._clock()
        campaign = Campaign(
            id=self.campaign_id, name="回访 satisfaction callbacks", kind=CampaignKind.SATISFACTION_SURVEY,
            pacing=AutomatedPacing(5), state=CampaignState.DRAFT,
        )  # fmt: skip
        await self._campaigns.create(campaign, prefecture=None, created_by=_ACTOR, now=now)
        await self._campaigns.move(self.campaign_id, CampaignEvent.START, now)

    async def schedule(self, db: AsyncSession, ticket: Ticket, actor: str, note: str) -> bool:
        """Move ``ticket`` (replied or answered on the spot) to ``callback``; the caller commits,
        then calls :meth:`enlist`.  False when the ticket has no number to call back."""
        try:
            normalize_number(ticket.caller_number)
        except InvalidNumber:
            return False
        await move_ticket(
            db, ticket, TicketStatus.CALLBACK, TicketActionKind.CALLBACK, actor, self._clock(), note
        )
        return True

    async def enlist(self, ticket: Ticket, agent_id: str | None) -> None:
        """Put the ticket's customer on the survey campaign, due after the configured delay."""
        await self.ensure_campaign()
        now = self._clock()
        extra = {"closed_at": now.isoformat(), "category": ticket.category or ticket.kind.value}
        if agent_id:
            extra["agent"] = agent_id
        contact = Contact(
            number=normalize_number(ticket.caller_number), name=ticket.caller_number,
            prefecture=ticket.prefecture, reference=ticket.number or str(ticket.id),
            extra=tuple(sorted(extra.items())),
            next_attempt_at=now + timedelta(hours=self._settings.survey_delay_h),
        )  # fmt: skip
        await self._campaigns.add_contacts(self.campaign_id, [contact], now)
        log.info("outbound survey scheduled", ticket=ticket.number, due=contact.next_attempt_at)

    async def surveyed(self, ticket_number: str, score: float, uniqueid: str) -> bool:
        """Close or reopen after the survey; True when reopened."""
        reopen = score <= self._settings.survey_reopen_at_or_below
        async with self._sessions() as db:
            ticket = await ticket_by_number(db, ticket_number)
            if ticket is None or ticket.status is not TicketStatus.CALLBACK:
                log.warning(
                    "outbound survey of a ticket not waiting for it", uniqueid=uniqueid, ticket=ticket_number
                )
                return False
            now = self._clock()
            if reopen:
                note = f"{MANAGER_HOTLINE}: repeat complaint, 回访 score {score:.1f} (call {uniqueid})"
                await move_ticket(
                    db, ticket, TicketStatus.DISPATCHED, TicketActionKind.REOPEN, _ACTOR, now, note
                )
            else:
                note = f"回访 score {score:.1f} (call {uniqueid})"
                await move_ticket(db, ticket, TicketStatus.CLOSED, TicketActionKind.CLOSE, _ACTOR, now, note)
            await db.commit()
        log.info(
            "outbound survey result", uniqueid=uniqueid, ticket=ticket_number, score=score, reopened=reopen
        )
        return reopen

    async def gave_up(self, campaign: Campaign, stored: StoredContact) -> None:
        """The dialer's final hook: a survey contact that ended without a survey closes its ticket."""
        if (
            campaign.kind is not CampaignKind.SATISFACTION_SURVEY
            or stored.contact.status is ContactStatus.COMPLETED
        ):
            return
        async with self._sessions() as db:
            ticket = await ticket_by_number(db, stored.contact.reference)
            if ticket is None or ticket.status is not TicketStatus.CALLBACK:
                return
            why = (
                stored.contact.last_outcome.value
                if stored.contact.last_outcome
                else stored.contact.status.value
            )
            await move_ticket(
                db, ticket, TicketStatus.CLOSED, TicketActionKind.CLOSE, _ACTOR, self._clock(),
                f"回访 not reached ({stored.contact.status.value}: {why})",
            )  # fmt: skip
            await db.commit()


async def ticket_agent(db: AsyncSession, ticket_id: int) -> str | None:
    """The agent who last acted on the ticket as a user (the one whose work the survey judges)."""
    actors = (
        await db.execute(
            select(TicketAction.actor)
            .where(TicketAction.ticket_id == ticket_id)
            .order_by(TicketAction.id.desc())
        )
    ).scalars()
    for actor in actors:
        if actor.startswith("user-") and actor[5:].isascii() and actor[5:].isdigit():
            user = await db.get(User, int(actor[5:]))
            if user is not None and user.agent_id:
                return user.agent_id
    return None
