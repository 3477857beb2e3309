"""Scores between the database rows (``qa_scores``, ``qa_disputes``) and the QA core's values.

A row keeps the score as :func:`qa.score.to_record` wrote it; reading it back goes through
:func:`qa.score.from_record`, which recomputes the total against the form version the row names,
so a row whose form changed or whose total was edited is refused rather than shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qa.disputes import Decision, Dispute, DisputeState, ScoreStatus
from qa.form import FormLibrary
from qa.score import Score, from_record, to_record
from storage.qa_scores import DisputeStatus, QaDispute, QaScore, ScoreSource

__all__ = ["new_row", "score_of", "score_view", "status_of", "statuses_of"]


def new_row(
    score: Score, *, counts: bool, status: DisputeStatus, monitoring_session_id: int | None = None
) -> QaScore:
    """The row of a new score (the caller adds and commits it)."""
    call = score.call
    return QaScore(
        score_id=score.score_id,
        call_uniqueid=call.call_id,
        agent_id=call.agent_id,
        prefecture=call.prefecture,
        team=call.team,
        source=ScoreSource(call.source.value),
        recording_id=int(call.recording_id) if call.recording_id is not None else None,
        monitoring_session_id=monitoring_session_id,
        form_id=score.form_id,
        form_version=score.form_version,
        form_fingerprint=score.form_fingerprint,
        total=score.result.total,
        critical_failed=score.result.zeroed,
        answers=json.dumps(to_record(score), ensure_ascii=False),
        scorer=score.scorer,
        scored_at=score.scored_at,
        comment=score.comment,
        status=status,
        counts=counts,
        version=0,
    )


def score_of(row: QaScore, library: FormLibrary) -> Score:
    """The score a row holds, recomputed against its form version."""
    return from_record(json.loads(row.answers), library)


def status_of(
    row: QaScore, dispute: QaDispute | None, revised: QaScore | None, library: FormLibrary
) -> ScoreStatus:
    """The dispute status of an original score's row (with its dispute and revision, if any)."""
    original = score_of(row, library)
    since = original.scored_at
    found = None
    decision = None
    if dispute is not None:
        found = Dispute(dispute.agent_id, dispute.disputed_at, dispute.reason)
        since = dispute.disputed_at
        if dispute.decided_at is not None and dispute.decided_by is not None:
            decision = Decision(dispute.decided_by, dispute.decided_at, dispute.note or "")
            since = dispute.decided_at
    return ScoreStatus(
        state=DisputeState(row.status.value),
        original=original,
        since=since,
        version=row.version,
        dispute=found,
        decision=decision,
        revised=score_of(revised, library) if revised is not None else None,
    )


async def statuses_of(db: AsyncSession, rows: Sequence[QaScore], library: FormLibrary) -> list[ScoreStatus]:
    """The statuses of original scores' rows, their disputes and revisions read in two queries."""
    ids = [r.score_id for r in rows]
    disputes: dict[str, QaDispute] = {}
    revisions: dict[str, QaScore] = {}
    if ids:
        for d in (await db.execute(select(QaDispute).where(QaDispute.score_id.in_(ids)))).scalars():
            disputes[d.score_id] = d
        for r in (await db.execute(select(QaScore).where(QaScore.revision_of.in_(ids)))).scalars():
            if r.revision_of is not None:
                revisions[r.revision_of] = r
    return [status_of(r, disputes.get(r.score_id), revisions.get(r.score_id), library) for r in rows]


def score_view(row: QaScore, score: Score, dispute: QaDispute | None) -> dict[str, Any]:
    """A score as the API shows it."""
    return {
        "score_id": row.score_id,
        "call_uniqueid": row.call_uniqueid,
        "agent_id": row.agent_id,
        "prefecture": row.prefecture,
        "team": row.team,
        "source": row.source.value,
        "recording_id": row.recording_id,
        "monitoring_session_id": row.monitoring_session_id,
        "form": {"id": row.form_id, "version": row.form_version, "fingerprint": row.form_fingerprint},
        "total": float(score.result.total),
        "critical_failed": score.result.zeroed,
        "critical_failures": list(score.result.critical_failures),
        "sections": [
            {"id": s.section_id, "earned": s.earned, "applicable": s.applicable}
            for s in score.result.sections
        ],
        "answers": [
            {"criterion": a.criterion_id, "outcome": a.outcome.value, "points": a.points, "remark": a.remark}
            for a in score.answers
        ],
        "scorer": row.scorer,
        "scored_at": row.scored_at,
        "comment": row.comment,
        "status": row.status.value,
        "counts": row.counts,
        "revision_of": row.revision_of,
        "dispute": None
        if dispute is None
        else {
            "reason": dispute.reason,
            "disputed_at": dispute.disputed_at,
            "decision": dispute.decision.value if dispute.decision else None,
            "note": dispute.note,
            "decided_by": dispute.decided_by,
            "decided_at": dispute.decided_at,
            "revised_score_id": dispute.revised_score_id,
        },
    }
