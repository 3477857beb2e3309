"""Sampling for QA (抽检): run the configured rules over a period's calls, and list what to score.

The candidates are the calls agents finished in ``[since, until)`` (``agent_calls``, the last agent
of each call), of the agents in the user's scope: a prefecture QA samples their prefecture's
agents, provincial QA every prefecture's.  Facts per call: the agent, their prefecture, when the
call ended, whether it was a complaint (the call queued for the ``complaint`` skill, or the agent
registered a complaint ticket on it).  Post-call ratings are not stored by the hotline yet, so a
``low-rating`` rule picks nothing until they are.

Every call ever picked is passed to the rules as ``already_selected`` (a quota counts them, nothing
is picked twice) and each pick is stored (``qa_samples``) with the rules that picked it.  Because
the core draws per (rule, agent, period), a prefecture's run picks the same calls as a provincial
run would for that prefecture's agents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from qa.errors import QaError
from qa.refusals import QaInvalid, refusal
from qa.sampling import CallFacts, parse_rules, select_calls
from qa.settings import QaSettings
from storage.agent_calls import AgentCall
from storage.agents import AgentRecord
from storage.qa_samples import QaSample
from storage.qa_scores import QaScore
from storage.recordings import Recording
from storage.ticket_lifecycle import TicketKind
from storage.tickets import Ticket

__all__ = ["SampleDesk"]

log = structlog.get_logger(__name__)

MAX_LIMIT = 500


class SampleDesk:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: QaSettings, clock: Callable[[], float]
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self._clock = clock
        self.rules = parse_rules(settings.sampling)

    async def run(self, who: Principal, since: datetime, until: datetime) -> dict[str, Any]:
        """Pick the calls of ``[since, until)`` the rules ask for; store and return the new picks."""
        since, until = _aware(since), _aware(until)
        if until <= since:
            raise QaInvalid("until must be after since")
        now = datetime.fromtimestamp(self._clock(), UTC)
        async with self.sessions() as db:
            candidates = await self._candidates(db, who, since, until)
            ids = [c.call_id for c in candidates]
            prior = set(
                (
                    await db.execute(select(QaSample.call_uniqueid).where(QaSample.call_uniqueid.in_(ids)))
                ).scalars()
            )
            try:
                picked = select_calls(
                    candidates, self.rules, seed=self.settings.sampling_seed, already_selected=prior
                )
            except QaError as exc:
                raise refusal(exc) from None
            rows = [
                QaSample(
                    call_uniqueid=p.call.call_id,
                    agent_id=p.call.agent_id,
                    prefecture=p.call.prefecture,
                    ended_at=p.call.ended_at,
                    reasons=",".join(p.reasons),
                    picked_at=now,
                    picked_by=f"user-{who.user_id}",
                    run_since=since,
                    run_until=until,
                )
                for p in picked
            ]
            db.add_all(rows)
            await db.commit()
        log.info("qa sampling run", user_id=who.user_id, candidates=len(candidates), picked=len(rows))
        return {
            "since": since,
            "until": until,
            "candidates": len(candidates),
            "already_picked": len(prior),
            "rules": [r.name for r in self.rules],
            "picked": [_view(r, scored=None, recording_id=None) for r in rows],
        }

    async def _candidates(
        self, db: AsyncSession, who: Principal, since: datetime, until: datetime
    ) -> list[CallFacts]:
        complaint_tickets = select(Ticket.number).where(Ticket.kind == TicketKind.COMPLAINT)
        query = (
            select(AgentCall, AgentRecord.prefecture)
            .join(AgentRecord, AgentRecord.agent_id == AgentCall.agent_id)
            .where(AgentCall.ended_at >= since, AgentCall.ended_at < until)
            .order_by(AgentCall.answered_at, AgentCall.id)
        )
        if who.scope is not None:
            query = query.where(AgentRecord.prefecture == who.scope)
        complaints = set(
            (
                await db.execute(
                    select(AgentCall.id).where(
                        AgentCall.ended_at >= since,
                        AgentCall.ended_at < until,
                        or_(AgentCall.skill == "complaint", AgentCall.ticket_number.in_(complaint_tickets)),
                    )
                )
            ).scalars()
        )
        last: dict[str, CallFacts] = {}  # a transferred call: the agent who finished it
        for call, prefecture in (await db.execute(query)).all():
            assert call.ended_at is not None
            last[call.uniqueid] = CallFacts(
                call_id=call.uniqueid,
                agent_id=call.agent_id,
                prefecture=prefecture,
                ended_at=call.ended_at,
                complaint=call.id in complaints,
            )
        return list(last.values())

    async def to_score(
        self, who: Principal, *, include_scored: bool = False, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The picks in scope, oldest first, each with its recording (if any) and whether it is scored."""
        query = select(QaSample)
        if who.scope is not None:
            query = query.where(QaSample.prefecture == who.scope)
        async with self.sessions() as db:
            picks = list((await db.execute(query.order_by(QaSample.ended_at, QaSample.id))).scalars())
            ids = [p.call_uniqueid for p in picks]
            scored = set(
                (
                    await db.execute(
                        select(QaScore.call_uniqueid).where(QaScore.call_uniqueid.in_(ids), QaScore.counts)
                    )
                ).scalars()
            )
            recordings = {
                uniqueid: rid
                for uniqueid, rid in (
                    await db.execute(
                        select(Recording.uniqueid, Recording.id).where(Recording.uniqueid.in_(ids))
                    )
                ).all()
            }
        views = [
            _view(p, scored=p.call_uniqueid in scored, recording_id=recordings.get(p.call_uniqueid))
            for p in picks
        ]
        if not include_scored:
            views = [v for v in views if not v["scored"]]
        return views[: min(limit, MAX_LIMIT)]


def _view(row: QaSample, *, scored: bool | None, recording_id: int | None) -> dict[str, Any]:
    return {
        "call_uniqueid": row.call_uniqueid,
        "agent_id": row.agent_id,
        "prefecture": row.prefecture,
        "ended_at": row.ended_at,
        "reasons": row.reasons.split(",") if row.reasons else [],
        "picked_at": row.picked_at,
        "scored": bool(scored),
        "recording_id": recording_id,
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
