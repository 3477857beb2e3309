"""Campaigns and their contacts in the database: create, list, change state (compare-and-set on
the version), add contacts (a whole list or nothing), claim due contacts for this node, take back
claims a node never finished.

Rows are :mod:`storage.campaigns`; values are the core's :class:`~outbound.campaign.Campaign` and
:class:`~outbound.contact.Contact`.  A contact travels with its row id (:class:`StoredContact`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outbound.calendar import HolidayCalendar
from outbound.campaign import Campaign, CampaignEvent, CampaignState, transition
from outbound.campaign_codec import build_campaign, campaign_config
from outbound.contact import Contact, ContactStatus
from outbound.errors import IllegalTransition, ModelError
from outbound.outcomes import Outcome
from storage.campaigns import CampaignAttempt, CampaignContact, CampaignRow, claim_contacts

__all__ = ["CampaignInfo", "CampaignStore", "StoredContact", "UnknownCampaign"]


class UnknownCampaign(ModelError):
    error_id = "outbound-unknown-campaign"


@dataclass(frozen=True, slots=True)
class StoredContact:
    id: int
    campaign_id: str
    contact: Contact


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """A campaign and what is not part of the core's value: scope and authorship."""

    campaign: Campaign
    prefecture: str | None
    created_by: str
    created_at: datetime


def contact_of(row: CampaignContact) -> StoredContact:
    contact = Contact(
        number=row.number,
        name=row.name,
        prefecture=row.prefecture,
        reference=row.reference,
        extra=tuple(sorted((row.extra or {}).items())),
        attempts=row.attempts,
        status=ContactStatus(row.status),
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_outcome=Outcome(row.last_outcome) if row.last_outcome else None,
        version=row.version,
    )
    return StoredContact(row.id, row.campaign_id, contact)


class CampaignStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], holidays: HolidayCalendar) -> None:
        self._sessions = sessions
        self.holidays = holidays

    def _campaign(self, row: CampaignRow) -> Campaign:
        return build_campaign(
            row.id, row.name, row.kind, dict(row.config), self.holidays,
            state=row.state, state_since=row.state_since, version=row.version,
        )  # fmt: skip

    def _info(self, row: CampaignRow) -> CampaignInfo:
        return CampaignInfo(self._campaign(row), row.prefecture, row.created_by, row.created_at)

    # -- campaigns ------------------------------------------------------------------------
    async def create(
        self, campaign: Campaign, *, prefecture: str | None, created_by: str, now: datetime
    ) -> CampaignInfo:
        row = CampaignRow(
            id=campaign.id, name=campaign.name, kind=campaign.kind.value, state=campaign.state.value,
            config=campaign_config(campaign), prefecture=prefecture, created_by=created_by,
            created_at=now, state_since=campaign.state_since, version=campaign.version,
        )  # fmt: skip
        async with self._sessions() as db:
            db.add(row)
            try:
                await db.commit()
            except IntegrityError:
                raise ModelError(f"a campaign {campaign.id!r} exists already") from None
        return self._info(row)

    async def get(self, campaign_id: str) -> CampaignInfo:
        async with self._sessions() as db:
            row = await db.get(CampaignRow, campaign_id)
            if row is None:
                raise UnknownCampaign(f"no campaign {campaign_id!r}")
            return self._info(row)

    async def find(self, campaign_id: str) -> CampaignInfo | None:
        try:
            return await self.get(campaign_id)
        except UnknownCampaign:
            return None

    async def all(self, *, prefecture: str | None = None) -> list[CampaignInfo]:
        stmt = select(CampaignRow).order_by(CampaignRow.created_at, CampaignRow.id)
        if prefecture is not None:
            stmt = stmt.where(CampaignRow.prefecture == prefecture)
        async with self._sessions() as db:
            return [self._info(r) for r in (await db.execute(stmt)).scalars()]

    async def running(self) -> list[Campaign]:
        stmt = select(CampaignRow).where(CampaignRow.state == CampaignState.RUNNING.value)
        async with self._sessions() as db:
            return [self._campaign(r) for r in (await db.execute(stmt)).scalars()]

    async def move(self, campaign_id: str, event: CampaignEvent, now: datetime) -> Campaign:
        """Apply ``event`` (start, pause, resume, finish); raises IllegalTransition if not allowed."""
        async with self._sessions() as db:
            row = await db.get(CampaignRow, campaign_id)
            if row is None:
                raise UnknownCampaign(f"no campaign {campaign_id!r}")
            moved = transition(self._campaign(row), event, now)
            result = await db.execute(
                update(CampaignRow)
                .where(CampaignRow.id == campaign_id, CampaignRow.version == row.version)
                .values(state=moved.state.value, state_since=now, version=moved.version)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                raise IllegalTransition(
                    f"campaign {campaign_id!r}", row.state, f"{event.value} (changed meanwhile)"
                )
            await db.commit()
            return moved

    # -- contacts -------------------------------------------------------------------------
    async def add_contacts(self, campaign_id: str, contacts: Sequence[Contact], now: datetime) -> int:
        """Add every contact or none; a contact already on the list (same number and reference)
        is left alone.  Returns how many were added."""
        async with self._sessions() as db:
            if await db.get(CampaignRow, campaign_id) is None:
                raise UnknownCampaign(f"no campaign {campaign_id!r}")
            rows = await db.execute(
                select(CampaignContact.number, CampaignContact.reference).where(
                    CampaignContact.campaign_id == campaign_id
                )
            )
            existing = {(number, reference) for number, reference in rows.all()}
            added = 0
            for c in contacts:
                if (c.number, c.reference) in existing:
                    continue
                existing.add((c.number, c.reference))
                db.add(
                    CampaignContact(
                        campaign_id=campaign_id, number=c.number, name=c.name, prefecture=c.prefecture,
                        reference=c.reference, extra=dict(c.extra), status=c.status.value,
                        attempts=c.attempts, next_attempt_at=c.next_attempt_at, added_at=now, version=0,
                    )
                )  # fmt: skip
                added += 1
            await db.commit()
            return added

    async def contacts(self, campaign_id: str) -> list[StoredContact]:
        stmt = (
            select(CampaignContact)
            .where(CampaignContact.campaign_id == campaign_id)
            .order_by(CampaignContact.id)
        )
        async with self._sessions() as db:
            return [contact_of(r) for r in (await db.execute(stmt)).scalars()]

    async def contact(self, contact_id: int) -> StoredContact | None:
        async with self._sessions() as db:
            row = await db.get(CampaignContact, contact_id)
            return contact_of(row) if row is not None else None

    async def claim(self, campaign_id: str, node: str, now: datetime, limit: int) -> list[StoredContact]:
        async with self._sessions() as db:
            rows = await claim_contacts(db, campaign_id, node, now, limit)
            await db.commit()
            return [contact_of(r) for r in rows]

    async def save_contact(self, stored: StoredContact, *, expect_version: int) -> bool:
        """Write the contact's status and attempt fields back (compare-and-set on the version)."""
        c = stored.contact
        async with self._sessions() as db:
            result = await db.execute(
                update(CampaignContact)
                .where(CampaignContact.id == stored.id, CampaignContact.version == expect_version)
                .values(
                    status=c.status.value, attempts=c.attempts, next_attempt_at=c.next_attempt_at,
                    last_attempt_at=c.last_attempt_at,
                    last_outcome=c.last_outcome.value if c.last_outcome else None,
                    claimed_by=None if c.status is not ContactStatus.DIALLING else CampaignContact.claimed_by,
                    version=c.version,
                )
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            await db.commit()
            return getattr(result, "rowcount", 0) == 1

    async def release(self, contact_id: int) -> None:
        """Give a claimed contact back without counting an attempt (its call was never placed)."""
        async with self._sessions() as db:
            await db.execute(
                update(CampaignContact)
                .where(
                    CampaignContact.id == contact_id,
                    CampaignContact.status == ContactStatus.DIALLING.value,
                )
                .values(status=ContactStatus.PENDING.value, claimed_by=None, claimed_at=None,
                        version=CampaignContact.version + 1)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            await db.commit()

    async def orphaned_claims(self, node: str, now: datetime, stale_s: float) -> list[tuple[int, str | None]]:
        """Contacts left ``dialling`` by this node (it restarted) or by any node long ago (it died):
        each with the channel id of its unfinished attempt, or None when no call was placed."""
        stale = now - timedelta(seconds=stale_s)
        async with self._sessions() as db:
            rows = (
                await db.execute(
                    select(CampaignContact.id).where(
                        CampaignContact.status == ContactStatus.DIALLING.value,
                        (CampaignContact.claimed_by == node) | (CampaignContact.claimed_at < stale),
                    )
                )
            ).scalars()
            found = []
            for contact_id in list(rows):
                open_attempt = (
                    await db.execute(
                        select(CampaignAttempt.channel_id).where(
                            CampaignAttempt.contact_id == contact_id, CampaignAttempt.ended_at.is_(None)
                        )
                    )
                ).scalar_one_or_none()
                found.append((contact_id, open_attempt))
            return found
