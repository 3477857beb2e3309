"""Applying the retention policy: which recordings are due, the dry run, and the deletions.

The facts of each archived recording come from its row: its category (``complaint`` also when a
complaint ticket was registered on the call at wrap-up), when it started, and whether it is on
hold — an auditor's ``legal_hold``, or a score of the call under dispute.  :func:`plan_deletions`
(:mod:`recordings.retention`) decides; the dry run prints that plan and the job deletes exactly
``plan.deletions``: the file from the store, then the row marked ``deleted`` with the reason (the
row stays).  A file the store no longer has is marked all the same; one the store fails to delete
is left for the next run and reported.

The node runs the job every ``[recordings] retention_every_s``; ``hotline recordings retention
[--dry-run]`` runs it by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from recordings.errors import RecordingsError
from recordings.retention import Expiry, RecordingFacts, RetentionPlan, RetentionPolicy, plan_deletions
from recordings.store import RecordingStore
from storage.agent_calls import AgentCall
from storage.qa_scores import DisputeStatus, QaScore
from storage.recordings import Recording, RecordingStatus
from storage.ticket_lifecycle import TicketKind
from storage.tickets import Ticket

__all__ = ["RetentionJob", "RetentionRun"]

log = structlog.get_logger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class RetentionRun:
    plan: RetentionPlan
    dry_run: bool
    deleted: list[int] = field(default_factory=list)
    already_gone: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


class RetentionJob:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: RecordingStore,
        policy: RetentionPolicy,
        *,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.policy = policy
        self.tz = ZoneInfo(timezone)
        self._clock = clock

    def today(self) -> date:
        return datetime.fromtimestamp(self._clock(), self.tz).date()

    async def plan(self, as_of: date | None = None) -> RetentionPlan:
        """What the policy deletes on ``as_of`` (default: today in the centres' time zone)."""
        async with self.sessions() as db:
            facts = await _facts(db)
        return plan_deletions(facts, self.policy, as_of or self.today(), self.tz)

    async def run(
        self, as_of: date | None = None, *, dry_run: bool = False, progress: Progress | None = None
    ) -> RetentionRun:
        """Delete what :meth:`plan` lists (nothing with ``dry_run``)."""
        plan = await self.plan(as_of)
        done = RetentionRun(plan, dry_run)
        if dry_run:
            return done
        total = len(plan.deletions)
        for n, expiry in enumerate(plan.deletions, 1):
            await self._delete(expiry, done)
            if progress is not None:
                progress(n, total)
        if not (plan.deletions or plan.held):
            return done
        log.info(
            "recordings retention", as_of=plan.as_of.isoformat(), deleted=len(done.deleted),
            already_gone=len(done.already_gone), failed=len(done.failed), held=len(plan.held),
        )  # fmt: skip
        return done

    async def _delete(self, expiry: Expiry, done: RetentionRun) -> None:
        recording_id = int(expiry.recording.recording_id)
        async with self.sessions() as db:
            row = await db.get(Recording, recording_id)
            if row is None or row.status is not RecordingStatus.ARCHIVED:
                return
            try:
                existed = await self.store.delete(row.path) if row.path else False
            except RecordingsError as exc:
                done.failed.append((recording_id, str(exc)))
                log.error(
                    "recording not deleted", recording_id=recording_id, uniqueid=row.uniqueid, error=str(exc)
                )
                return
            (done.deleted if existed else done.already_gone).append(recording_id)
            await db.execute(
                update(Recording)
                .where(Recording.id == recording_id)
                .values(
                    status=RecordingStatus.DELETED,
                    deleted_at=datetime.fromtimestamp(self._clock(), UTC),
                    deleted_reason=(
                        f"retention: {expiry.recording.category} kept {expiry.period}, "
                        f"due {expiry.deletable_from.isoformat()}"
                    )[:200],
                )
            )
            await db.commit()

    async def run_forever(self, every_s: float) -> None:
        """Apply the policy now and then every ``every_s`` seconds (until cancelled)."""
        while True:
            try:
                await self.run()
            except Exception as exc:  # a failed run is logged and retried next time
                log.error("recordings retention failed", error=repr(exc))
            await asyncio.sleep(every_s)


async def _facts(db: AsyncSession) -> list[RecordingFacts]:
    complaint_tickets = select(Ticket.number).where(Ticket.kind == TicketKind.COMPLAINT)
    complaint_calls = set(
        (
            await db.execute(select(AgentCall.uniqueid).where(AgentCall.ticket_number.in_(complaint_tickets)))
        ).scalars()
    )
    disputed = set(
        (
            await db.execute(select(QaScore.call_uniqueid).where(QaScore.status == DisputeStatus.DISPUTED))
        ).scalars()
    )
    rows = await db.execute(select(Recording).where(Recording.status == RecordingStatus.ARCHIVED))
    return [
        RecordingFacts(
            recording_id=str(r.id),
            category="complaint" if r.uniqueid in complaint_calls else r.category,
            started_at=r.started_at,
            held=r.legal_hold or r.uniqueid in disputed,
        )
        for r in rows.scalars()
    ]
