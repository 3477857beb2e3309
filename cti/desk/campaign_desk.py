"""Outbound campaigns for supervisors and admins, in their scope: list, progress, create, import
contacts (a CSV text, all or nothing), start / pause / resume / finish, results as CSV or XLSX.

Scope: a campaign belongs to a prefecture (its supervisors manage it) or to the provincial centre
(``prefecture`` empty: provincial staff only).  Staff of a prefecture see and act on their
prefecture's campaigns only.  Errors of the outbound core become API errors with their reason.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cti.access.roles import Principal
from cti.errors import BadRequest, Conflict, NotFound, OutOfScope
from outbound.campaign import CampaignEvent
from outbound.campaign_store import CampaignInfo, UnknownCampaign
from outbound.errors import CsvImportError, IllegalTransition, ModelError
from outbound.operations import CampaignOperations

__all__ = ["CampaignDesk", "ContactsBody", "CreateCampaignBody"]


class CreateCampaignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    name: str = Field(min_length=1, max_length=120)
    kind: str
    settings: dict[str, Any] = Field(default_factory=dict)
    prefecture: str | None = None


class ContactsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csv: str = Field(min_length=1, description="the contact file's text, header first (see the README)")


class CampaignDesk:
    def __init__(self, operations: CampaignOperations) -> None:
        self._ops = operations

    async def list(self, who: Principal) -> list[dict[str, Any]]:
        infos = await self._ops.campaigns.all()
        return [
            (await self._ops.progress(i.campaign.id)).view() for i in infos if self._covers(who, i.prefecture)
        ]

    async def progress(self, who: Principal, campaign_id: str) -> dict[str, Any]:
        await self._info(who, campaign_id)
        return {
            **(await self._ops.progress(campaign_id)).view(),
            "settings": await self._ops.settings(campaign_id),
        }

    async def create(self, who: Principal, body: CreateCampaignBody) -> dict[str, Any]:
        prefecture = body.prefecture or who.scope
        if not self._covers(who, prefecture):
            raise OutOfScope("a campaign of another prefecture")
        try:
            info = await self._ops.create(
                body.id, body.name, body.kind, body.settings, prefecture=prefecture, by=f"user-{who.user_id}"
            )
        except ModelError as exc:
            raise BadRequest(str(exc), error=exc.error_id) from None
        return (await self._ops.progress(info.campaign.id)).view()

    async def import_contacts(self, who: Principal, campaign_id: str, body: ContactsBody) -> dict[str, Any]:
        await self._info(who, campaign_id)
        try:
            added = await self._ops.import_csv(campaign_id, body.csv.encode("utf-8"))
        except CsvImportError as exc:
            problems = [{"line": p.line, "problem": p.reason} for p in exc.problems]
            raise BadRequest("nothing imported: the file has bad lines", problems=problems) from None
        return {"imported": added}

    async def move(self, who: Principal, campaign_id: str, event: CampaignEvent) -> dict[str, Any]:
        await self._info(who, campaign_id)
        try:
            await self._ops.move(campaign_id, event)
        except IllegalTransition as exc:
            raise Conflict(str(exc)) from None
        return (await self._ops.progress(campaign_id)).view()

    async def results(self, who: Principal, campaign_id: str, form: str) -> tuple[bytes, str]:
        await self._info(who, campaign_id)
        if form == "xlsx":
            return (
                await self._ops.results_xlsx(campaign_id),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        if form != "csv":
            raise BadRequest("format is csv or xlsx")
        return await self._ops.results_csv(campaign_id), "text/csv; charset=utf-8"

    async def _info(self, who: Principal, campaign_id: str) -> CampaignInfo:
        try:
            info = await self._ops.campaigns.get(campaign_id)
        except (UnknownCampaign, ModelError):
            raise NotFound("no such campaign") from None
        if not self._covers(who, info.prefecture):
            raise OutOfScope("that campaign belongs to another prefecture")
        return info

    @staticmethod
    def _covers(who: Principal, prefecture: str | None) -> bool:
        return who.scope is None or (prefecture is not None and who.covers(prefecture))
