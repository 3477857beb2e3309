"""A score (质检评分): one call, one form version, the answers, the result, who scored it and when.

A score keeps the form's id, version and fingerprint.  :func:`to_record` gives a JSON-safe mapping
(what storage keeps); :func:`from_record` finds that same form version in a :class:`FormLibrary`,
refuses it if its content changed since (:class:`FormChanged`), recomputes the result and checks it
against the recorded total — so a score means the same thing for ever.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from qa.errors import FormChanged, QaError, RecordMismatch
from qa.form import FormLibrary, ScoringForm
from qa.scoring import Answer, Outcome, ScoreResult, compute_score

__all__ = ["Score", "ScoredCall", "ScoredFrom", "from_record", "make_score", "to_record"]


class ScoredFrom(enum.StrEnum):
    RECORDING = "recording"
    LIVE = "live"  # scored while listening in (监听)


@dataclass(frozen=True, slots=True)
class ScoredCall:
    call_id: str  # the call's linkedid
    agent_id: str
    team: str
    prefecture: str
    source: ScoredFrom
    recording_id: str | None = None


@dataclass(frozen=True, slots=True)
class Score:
    score_id: str
    call: ScoredCall
    form_id: str
    form_version: int
    form_fingerprint: str
    answers: tuple[Answer, ...]
    result: ScoreResult
    scorer: str
    scored_at: datetime
    comment: str = ""


def make_score(
    form: ScoringForm,
    *,
    score_id: str,
    call: ScoredCall,
    answers: Sequence[Answer],
    scorer: str,
    now: datetime,
    comment: str = "",
) -> Score:
    """Check ``answers`` against ``form`` and score them; raises :class:`AnswerError` or :class:`QaError`."""
    if scorer == call.agent_id:
        raise QaError(f"score {score_id}: an agent cannot score their own call")
    if now.tzinfo is None:
        raise QaError(f"score {score_id}: the time must carry its time zone")
    result = compute_score(form, answers)
    return Score(
        score_id=score_id,
        call=call,
        form_id=form.form_id,
        form_version=form.version,
        form_fingerprint=form.fingerprint,
        answers=tuple(answers),
        result=result,
        scorer=scorer,
        scored_at=now,
        comment=comment,
    )


def to_record(score: Score) -> dict[str, Any]:
    """A JSON-safe mapping of ``score`` (the total as a string, times in ISO 8601)."""
    call = score.call
    return {
        "score_id": score.score_id,
        "call": {
            "call_id": call.call_id,
            "agent_id": call.agent_id,
            "team": call.team,
            "prefecture": call.prefecture,
            "source": call.source.value,
            "recording_id": call.recording_id,
        },
        "form": {"id": score.form_id, "version": score.form_version, "fingerprint": score.form_fingerprint},
        "answers": [
            {"criterion": a.criterion_id, "outcome": a.outcome.value, "points": a.points, "remark": a.remark}
            for a in score.answers
        ],
        "total": str(score.result.total),
        "scorer": score.scorer,
        "scored_at": score.scored_at.isoformat(),
        "comment": score.comment,
    }


def from_record(record: Mapping[str, Any], library: FormLibrary) -> Score:
    """The score stored as ``record``, recomputed against the form version it names.

    Raises :class:`UnknownForm` if that version is not in ``library``, :class:`FormChanged` if its
    content differs from when the score was made, :class:`RecordMismatch` if the record is malformed
    or its total is not what the form gives.
    """
    score_id = str(record.get("score_id", "?"))
    try:
        form_ref = record["form"]
        form = library.get(str(form_ref["id"]), int(form_ref["version"]))
        fingerprint = str(form_ref["fingerprint"])
        call = record["call"]
        scored_call = ScoredCall(
            call_id=str(call["call_id"]),
            agent_id=str(call["agent_id"]),
            team=str(call["team"]),
            prefecture=str(call["prefecture"]),
            source=ScoredFrom(call["source"]),
            recording_id=None if call["recording_id"] is None else str(call["recording_id"]),
        )
        answers = tuple(
            Answer(str(a["criterion"]), Outcome(a["outcome"]), _points(a["points"]), str(a["remark"]))
            for a in record["answers"]
        )
        recorded_total = Decimal(str(record["total"]))
        scored_at = datetime.fromisoformat(str(record["scored_at"]))
        scorer, comment = str(record["scorer"]), str(record["comment"])
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise RecordMismatch(score_id, f"malformed record ({exc!r})") from None
    if fingerprint != form.fingerprint:
        raise FormChanged(form.form_id, form.version, fingerprint, form.fingerprint)
    result = compute_score(form, answers)
    if result.total != recorded_total:
        raise RecordMismatch(score_id, f"recorded total {recorded_total}, the form gives {result.total}")
    return Score(
        score_id,
        scored_call,
        form.form_id,
        form.version,
        fingerprint,
        answers,
        result,
        scorer,
        scored_at,
        comment,
    )


def _points(value: object) -> int | None:
    if value is None or type(value) is int:
        return value
    raise ValueError(f"points {value!r} is not a whole number")
