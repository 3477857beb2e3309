"""Running campaigns, for people: create one from its JSON settings, import a contact file, start,
pause, resume, finish, see its progress, export its attempts.  ``hotline campaign`` and the HTTP
API (``/api/campaigns``) both call this; neither touches the stores.

**Progress** (:class:`Progress`): contacts by status; attempts made and answered; completed
contacts; contacts remaining (pending or being dialled); the pace (attempts started in the last
10 minutes, per minute); the abandon rate over 30 days (agent-assisted campaigns).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from openpyxl import Workbook

from outbound.attempt_store import AttemptStore
from outbound.campaign import CampaignEvent, CampaignKind
from outbound.campaign_codec import build_campaign, campaign_config
from outbound.campaign_store import CampaignInfo, CampaignStore
from outbound.csv_import import read_contacts
from outbound.errors import ModelError

__all__ = ["RESULT_COLUMNS", "CampaignOperations", "Progress"]

RESULT_COLUMNS = (
    "campaign", "contact", "number", "started_at", "answered_at", "ended_at", "outcome", "reason",
    "hangup_cause", "dial_status", "script_result", "agent",
)  # fmt: skip
_PACE_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Progress:
    campaign: str
    name: str
    kind: str
    state: str
    mode: str
    prefecture: str | None
    contacts: int
    attempted: int
    answered: int
    completed: int
    remaining: int
    pace_per_min: float
    abandon_rate: float
    by_status: dict[str, int]
    by_outcome: dict[str, int]

    def view(self) -> dict[str, Any]:
        return asdict(self)


class CampaignOperations:
    def __init__(
        self, campaigns: CampaignStore, attempts: AttemptStore, clock: Callable[[], datetime]
    ) -> None:
        self.campaigns = campaigns
        self.attempts = attempts
        self._clock = clock

    async def create(
        self,
        campaign_id: str,
        name: str,
        kind: str,
        config: dict[str, Any],
        *,
        prefecture: str | None,
        by: str,
    ) -> CampaignInfo:
        if not campaign_id or len(campaign_id) > 40 or not campaign_id.replace("-", "").isalnum():
            raise ModelError("a campaign id is 1–40 letters, digits and dashes")
        campaign = build_campaign(campaign_id, name, kind, config, self.campaigns.holidays)
        return await self.campaigns.create(campaign, prefecture=prefecture, created_by=by, now=self._clock())

    async def import_csv(self, campaign_id: str, data: bytes) -> int:
        """Import a contact file whole; raises :class:`~outbound.errors.CsvImportError` listing
        every bad line, and then nothing is imported."""
        info = await self.campaigns.get(campaign_id)
        parsed = read_contacts(data, optional_columns=CampaignKind(info.campaign.kind).optional_columns)
        return await self.campaigns.add_contacts(campaign_id, parsed.contacts, self._clock())

    async def move(self, campaign_id: str, event: CampaignEvent) -> CampaignInfo:
        await self.campaigns.move(campaign_id, event, self._clock())
        return await self.campaigns.get(campaign_id)

    async def progress(self, campaign_id: str) -> Progress:
        info = await self.campaigns.get(campaign_id)
        campaign = info.campaign
        contacts = await self.campaigns.contacts(campaign_id)
        attempts = await self.attempts.of_campaign(campaign_id)
        now = self._clock()
        by_status: dict[str, int] = {}
        for stored in contacts:
            by_status[stored.contact.status.value] = by_status.get(stored.contact.status.value, 0) + 1
        by_outcome: dict[str, int] = {}
        for a in attempts:
            key = a.outcome or "in_progress"
            by_outcome[key] = by_outcome.get(key, 0) + 1
        recent = sum(1 for a in attempts if a.started_at >= now - _PACE_WINDOW)
        ledger = await self.attempts.ledger(campaign_id, campaign.schedule.local_date(now))
        return Progress(
            campaign=campaign.id, name=campaign.name, kind=campaign.kind.value, state=campaign.state.value,
            mode=campaign.mode.value, prefecture=info.prefecture, contacts=len(contacts),
            attempted=len(attempts),
            answered=sum(1 for a in attempts if a.answered_at is not None),
            completed=by_status.get("completed", 0),
            remaining=by_status.get("pending", 0) + by_status.get("dialling", 0),
            pace_per_min=round(recent / (_PACE_WINDOW.total_seconds() / 60), 2),
            abandon_rate=round(ledger.rate(campaign.schedule.local_date(now)), 4),
            by_status=by_status, by_outcome=by_outcome,
        )  # fmt: skip

    async def settings(self, campaign_id: str) -> dict[str, Any]:
        return campaign_config((await self.campaigns.get(campaign_id)).campaign)

    async def result_rows(self, campaign_id: str) -> list[tuple[str, ...]]:
        await self.campaigns.get(campaign_id)
        rows = []
        for a in await self.attempts.of_campaign(campaign_id):
            rows.append(
                tuple(
                    "" if v is None else (v.isoformat() if isinstance(v, datetime) else str(v))
                    for v in (
                        a.campaign_id, a.contact_id, a.number, a.started_at, a.answered_at, a.ended_at,
                        a.outcome, a.reason, a.hangup_cause, a.dial_status, a.script_result, a.agent_id,
                    )
                )
            )  # fmt: skip
        return rows

    async def results_csv(self, campaign_id: str) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(RESULT_COLUMNS)
        writer.writerows(await self.result_rows(campaign_id))
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # a BOM: Excel opens it as UTF-8

    async def results_xlsx(self, campaign_id: str) -> bytes:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = campaign_id[:31]
        sheet.append(list(RESULT_COLUMNS))
        for row in await self.result_rows(campaign_id):
            sheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
