"""Attempts, the do-not-call list and the daily abandon counts in the database.

An attempt row is written **before** its Originate (so a node that restarts mid-call knows the
call may have happened) and finished once Asterisk has told its end.  Scripts running over
FastAGI write what only they know (``script_result``: completed or abandoned) on the attempt,
found by the outbound channel's id; any node may run the script, the dialer that placed the call
reads it at hang-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outbound.abandon import WINDOW_DAYS, AbandonLedger, DayCount
from outbound.dnc import DoNotCallList
from outbound.outcomes import OriginateReport, Outcome
from outbound.phone_number import normalize_number
from storage.campaigns import AbandonDay, CampaignAttempt, DoNotCallEntry, call_dates_for

__all__ = ["AttemptStore", "AttemptView", "ScriptResult"]


class ScriptResult:
    COMPLETED = "completed"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class AttemptView:
    channel_id: str
    campaign_id: str
    contact_id: int
    number: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str | None
    reason: int | None
    hangup_cause: int | None
    dial_status: str | None
    script_result: str | None
    agent_id: str | None


def _view(row: CampaignAttempt) -> AttemptView:
    return AttemptView(
        row.channel_id, row.campaign_id, row.contact_id, row.number, row.started_at, row.answered_at,
        row.ended_at, row.outcome, row.reason, row.hangup_cause, row.dial_status, row.script_result,
        row.agent_id,
    )  # fmt: skip


class AttemptStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # -- attempts -------------------------------------------------------------------------
    async def start(
        self, *, campaign_id: str, contact_id: int, number: str, channel_id: str, node: str,
        at: datetime, local_date: date,
    ) -> None:  # fmt: skip
        async with self._sessions() as db:
            db.add(
                CampaignAttempt(
                    campaign_id=campaign_id, contact_id=contact_id, number=number, channel_id=channel_id,
                    node=node, started_at=at, local_date=local_date, note="",
                )
            )  # fmt: skip
            await db.commit()

    async def answered(self, channel_id: str, at: datetime) -> None:
        await self._set(channel_id, answered_at=at)

    async def script_result(self, channel_id: str, result: str, *, agent_id: str | None = None) -> None:
        values: dict[str, object] = {"script_result": result}
        if agent_id is not None:
            values["agent_id"] = agent_id
        await self._set(channel_id, **values)

    async def agent_connected(self, channel_id: str, agent_id: str, at: datetime) -> None:
        await self._set(channel_id, agent_id=agent_id, agent_connected_at=at)

    async def finish(
        self, channel_id: str, outcome: Outcome, at: datetime, report: OriginateReport | None, note: str = ""
    ) -> None:
        values: dict[str, object] = {"outcome": outcome.value, "ended_at": at, "note": note}
        if report is not None:
            values.update(
                reason=report.reason, hangup_cause=report.hangup_cause, dial_status=report.dial_status
            )
        await self._set(channel_id, **values)

    async def get(self, channel_id: str) -> AttemptView | None:
        async with self._sessions() as db:
            row = (
                await db.execute(select(CampaignAttempt).where(CampaignAttempt.channel_id == channel_id))
            ).scalar_one_or_none()
            return _view(row) if row is not None else None

    async def of_campaign(self, campaign_id: str) -> list[AttemptView]:
        stmt = (
            select(CampaignAttempt)
            .where(CampaignAttempt.campaign_id == campaign_id)
            .order_by(CampaignAttempt.started_at, CampaignAttempt.id)
        )
        async with self._sessions() as db:
            return [_view(r) for r in (await db.execute(stmt)).scalars()]

    async def outcome_counts(self, campaign_id: str) -> dict[str, int]:
        stmt = (
            select(CampaignAttempt.outcome, func.count())
            .where(CampaignAttempt.campaign_id == campaign_id)
            .group_by(CampaignAttempt.outcome)
        )
        async with self._sessions() as db:
            return {(o or "in_progress"): int(n) for o, n in (await db.execute(stmt)).all()}

    async def call_dates(self, number: str, since: date) -> list[date]:
        async with self._sessions() as db:
            return await call_dates_for(db, number, since)

    async def _set(self, channel_id: str, **values: object) -> None:
        async with self._sessions() as db:
            await db.execute(
                update(CampaignAttempt)
                .where(CampaignAttempt.channel_id == channel_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            await db.commit()

    # -- abandon counts -------------------------------------------------------------------
    async def count_answer(self, campaign_id: str, day: date, *, abandoned: bool) -> None:
        """One more live-answered call (abandoned or not) on the campaign's ``day``."""
        for _ in range(3):
            async with self._sessions() as db:
                result = await db.execute(
                    update(AbandonDay)
                    .where(AbandonDay.campaign_id == campaign_id, AbandonDay.day == day)
                    .values(
                        live_answered=AbandonDay.live_answered + 1,
                        abandoned=AbandonDay.abandoned + int(abandoned),
                    )
                    .execution_options(synchronize_session=False)
                )
                if getattr(result, "rowcount", 0) == 0:
                    db.add(
                        AbandonDay(
                            campaign_id=campaign_id, day=day, live_answered=1, abandoned=int(abandoned)
                        )
                    )
                try:
                    await db.commit()
                    return
                except IntegrityError:
                    await db.rollback()  # another node inserted the day first: update it

    async def ledger(self, campaign_id: str, today: date) -> AbandonLedger:
        first = today - timedelta(days=WINDOW_DAYS - 1)
        stmt = select(AbandonDay).where(AbandonDay.campaign_id == campaign_id, AbandonDay.day >= first)
        async with self._sessions() as db:
            rows = list((await db.execute(stmt)).scalars())
        ledger = AbandonLedger()
        days = {r.day: DayCount(r.live_answered, r.abandoned) for r in rows}
        return AbandonLedger({**ledger.days, **days})

    # -- do not call ----------------------------------------------------------------------
    async def dnc(self) -> DoNotCallList:
        async with self._sessions() as db:
            numbers = (await db.execute(select(DoNotCallEntry.number))).scalars()
            return DoNotCallList(frozenset(numbers))

    async def dnc_entries(self) -> list[tuple[str, datetime, str, str]]:
        async with self._sessions() as db:
            rows = (await db.execute(select(DoNotCallEntry).order_by(DoNotCallEntry.number))).scalars()
            return [(r.number, r.added_at, r.added_by, r.reason) for r in rows]

    async def add_dnc(self, number: str, *, by: str, reason: str, at: datetime) -> str:
        """Put ``number`` (any accepted spelling) on the list; returns it normalized."""
        normalized = normalize_number(number)
        async with self._sessions() as db:
            if await db.get(DoNotCallEntry, normalized) is None:
                db.add(DoNotCallEntry(number=normalized, added_at=at, added_by=by, reason=reason))
                await db.commit()
        return normalized

    async def remove_dnc(self, number: str) -> bool:
        async with self._sessions() as db:
            result = await db.execute(
                delete(DoNotCallEntry).where(DoNotCallEntry.number == normalize_number(number))
            )
            await db.commit()
            return getattr(result, "rowcount", 0) == 1
