"""The campaign contact an outbound call was placed for: the dialler sets its row id in the
channel variable ``HOTLINE_CONTACT`` (:data:`outbound.dialplan.CONTACT`), the script reads it back."""

from __future__ import annotations

from dataclasses import dataclass

from cti.agi.session import AgiSession
from outbound.campaign_store import CampaignStore, StoredContact
from outbound.dialplan import CONTACT
from storage.db import row_id

__all__ = ["CalledContact", "called_contact"]


@dataclass(frozen=True, slots=True)
class CalledContact:
    raw: str  # the variable as the channel had it, for the log when it names no contact
    stored: StoredContact | None


async def called_contact(session: AgiSession, campaigns: CampaignStore) -> CalledContact:
    raw = await session.get_variable(CONTACT) or ""
    contact_id = row_id(raw)
    return CalledContact(raw, None if contact_id is None else await campaigns.contact(contact_id))
