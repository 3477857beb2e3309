"""Recordings for QA (录音调听): finding the archived calls a user may listen to.

Who may listen is :func:`recordings.access.may_listen` (QA staff, supervisors and admins, within
their prefecture unless provincial); the route's permission lets the roles through and the
prefecture part is the user's scope, applied in the query.  Search by caller number (any part of
it), ticket (opened in the IVR, or registered by the agent at wrap-up), agent (extension or agent
id), prefecture, start date, duration, QA score, post-processing flags.  Playing and downloading
is :mod:`cti.desk.recording_playback`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.errors import BadRequest, OutOfScope
from storage.agent_calls import AgentCall
from storage.agents import AgentRecord
from storage.prefectures import is_prefecture_code
from storage.qa_scores import QaScore
from storage.recordings import Recording, RecordingStatus

__all__ = ["MAX_LIMIT", "RecordingLibrary", "RecordingQuery"]

MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class RecordingQuery:
    caller: str | None = None  # digits, any part of the number
    ticket: str | None = None
    agent: str | None = None  # extension or agent id
    prefecture: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    min_score: float | None = None
    max_score: float | None = None
    scored: bool | None = None
    flagged: bool | None = None  # post-processing found something (empty, short …)
    limit: int = 100


class RecordingLibrary:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def list(self, who: Principal, query: RecordingQuery = RecordingQuery()) -> list[dict[str, Any]]:
        """The newest recordings in the user's scope that match ``query``."""
        q = query
        score = QaScore.total.label("score")
        # the call's prefecture: its agent's, else the caller's (recordings.access.call_prefecture)
        prefecture = func.coalesce(AgentRecord.prefecture, Recording.prefecture)
        stmt = (
            select(Recording, QaScore.score_id, score)
            .outerjoin(QaScore, (QaScore.call_uniqueid == Recording.uniqueid) & QaScore.counts)
            .outerjoin(AgentRecord, AgentRecord.agent_id == Recording.agent_id)
            .order_by(Recording.started_at.desc(), Recording.id.desc())
        )
        if who.scope is not None:
            stmt = stmt.where(prefecture == who.scope)
        if q.prefecture:
            if not is_prefecture_code(q.prefecture):
                raise BadRequest("prefecture is a prefecture code")
            if not who.covers(q.prefecture):
                raise OutOfScope(f"{q.prefecture} is not your prefecture")
            stmt = stmt.where(prefecture == q.prefecture)
        if q.caller:
            if not q.caller.isdigit():
                raise BadRequest("caller is digits, any part of the number")
            stmt = stmt.where(Recording.caller_number.contains(q.caller, autoescape=True))
        if q.ticket:
            wrapped_up = select(AgentCall.uniqueid).where(AgentCall.ticket_number == q.ticket)
            stmt = stmt.where(or_(Recording.ticket_number == q.ticket, Recording.uniqueid.in_(wrapped_up)))
        if q.agent:
            stmt = stmt.where(or_(Recording.agent == q.agent, Recording.agent_id == q.agent))
        if q.since is not None:
            stmt = stmt.where(Recording.started_at >= q.since)
        if q.until is not None:
            stmt = stmt.where(Recording.started_at < q.until)
        if q.min_duration_s is not None:
            stmt = stmt.where(Recording.duration_s >= q.min_duration_s)
        if q.max_duration_s is not None:
            stmt = stmt.where(Recording.duration_s <= q.max_duration_s)
        if q.min_score is not None:
            stmt = stmt.where(QaScore.total >= q.min_score)
        if q.max_score is not None:
            stmt = stmt.where(QaScore.total <= q.max_score)
        if q.scored is not None:
            stmt = stmt.where(QaScore.score_id.is_not(None) if q.scored else QaScore.score_id.is_(None))
        if q.flagged is not None:
            stmt = stmt.where(Recording.flags != "" if q.flagged else Recording.flags == "")
        async with self.sessions() as db:
            rows = (await db.execute(stmt.limit(min(q.limit, MAX_LIMIT)))).all()
        return [_view(row, score_id, total) for row, score_id, total in rows]


def _view(row: Recording, score_id: str | None, total: Any) -> dict[str, Any]:
    return {
        "recording_id": row.id,
        "uniqueid": row.uniqueid,
        "linkedid": row.linkedid,
        "agent": row.agent,
        "agent_id": row.agent_id,
        "caller_number": row.caller_number,
        "prefecture": row.prefecture,
        "ticket_number": row.ticket_number,
        "category": row.category,
        "started_at": row.started_at,
        "duration_s": round(row.duration_s, 1),
        "format": row.format,
        "status": row.status.value,
        "playable": row.status is RecordingStatus.ARCHIVED and row.path is not None,
        "deleted_at": row.deleted_at,
        "score": None if score_id is None else {"score_id": score_id, "total": float(total)},
        "analysis": None
        if row.analysed_at is None
        else {
            "caller_talk_s": row.caller_talk_s,
            "agent_talk_s": row.agent_talk_s,
            "silence_s": row.silence_s,
            "overlap_s": row.overlap_s,
            "call_s": row.call_s,
            "flags": [f for f in (row.flags or "").split(",") if f],
        },
    }
