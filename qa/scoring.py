"""Answers to a form's criteria, their check against the form version, and the score 0–100.

Each criterion gets one :class:`Answer`:

* ``met`` — all its points; ``missed`` — none; ``partly`` — ``points`` between 1 and all but one,
  only where the criterion allows partial marks; ``na`` — not applicable, where allowed.
* A ``missed`` critical item (红线) zeroes the score, whatever else was earned, and needs a remark
  saying what happened (it is what the agent will dispute).

The score: ``100 × earned / applicable``, where *applicable* is the points of the criteria not
answered ``na``.  So N/A items are re-weighted proportionally: they leave the form, and each remaining
criterion's weight grows by the same factor (a form with 10 of 100 points N/A scores out of 90).
With nothing N/A the score is just the points earned.  It is rounded half-up to one decimal.
A form whose every pointed criterion is N/A has nothing to score: an :class:`AnswerError`
(unless a red line was missed: then the score is 0).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from qa.errors import AnswerError
from qa.form import Criterion, ScoringForm

__all__ = ["Answer", "Outcome", "ScoreResult", "SectionResult", "compute_score", "validate_answers"]

_ONE_DECIMAL = Decimal("0.1")


class Outcome(enum.StrEnum):
    MET = "met"
    PARTLY = "partly"
    MISSED = "missed"
    NA = "na"


@dataclass(frozen=True, slots=True)
class Answer:
    criterion_id: str
    outcome: Outcome
    points: int | None = None  # only with ``partly``
    remark: str = ""


@dataclass(frozen=True, slots=True)
class SectionResult:
    section_id: str
    earned: int
    applicable: int  # the section's points less its N/A items'


@dataclass(frozen=True, slots=True)
class ScoreResult:
    total: Decimal  # 0.0–100.0, one decimal
    earned: int
    applicable: int
    critical_failures: tuple[str, ...]  # ids of the missed red lines, in form order
    sections: tuple[SectionResult, ...]

    @property
    def zeroed(self) -> bool:
        return bool(self.critical_failures)


def validate_answers(form: ScoringForm, answers: Sequence[Answer]) -> dict[str, Answer]:
    """The answers by criterion id, after checking them against ``form``.

    Raises :class:`AnswerError` listing every problem: a criterion unanswered or answered twice, an
    unknown criterion, N/A or partial marks where the criterion does not allow them, points out of
    range, a missed red line without a remark.
    """
    problems: list[str] = []
    by_id: dict[str, Answer] = {}
    for answer in answers:
        if answer.criterion_id in by_id:
            problems.append(f"criterion {answer.criterion_id!r}: answered twice")
        by_id[answer.criterion_id] = answer
    known = {c.id for c in form.criteria}
    problems += [f"criterion {cid!r}: not on this form" for cid in by_id if cid not in known]
    for criterion in form.criteria:
        given = by_id.get(criterion.id)
        if given is None:
            problems.append(f"criterion {criterion.id!r}: not answered")
        else:
            problems += [f"criterion {criterion.id!r}: {p}" for p in _answer_problems(criterion, given)]
    if problems:
        raise AnswerError(f"answers to {form.form_id!r} v{form.version}", problems)
    return by_id


def compute_score(form: ScoringForm, answers: Sequence[Answer]) -> ScoreResult:
    """The score of ``answers`` on this form version (checked first with :func:`validate_answers`)."""
    by_id = validate_answers(form, answers)
    sections = tuple(
        SectionResult(
            section.id,
            earned=sum(_earned(c, by_id[c.id]) for c in section.criteria),
            applicable=sum(c.points for c in section.criteria if by_id[c.id].outcome is not Outcome.NA),
        )
        for section in form.sections
    )
    failures = tuple(c.id for c in form.criteria if c.critical and by_id[c.id].outcome is Outcome.MISSED)
    earned = sum(s.earned for s in sections)
    applicable = sum(s.applicable for s in sections)
    if failures:
        total = Decimal(0)
    elif applicable == 0:
        raise AnswerError(
            f"answers to {form.form_id!r} v{form.version}", ["every criterion with points is N/A"]
        )
    else:
        total = (Decimal(100 * earned) / Decimal(applicable)).quantize(_ONE_DECIMAL, ROUND_HALF_UP)
    return ScoreResult(total.quantize(_ONE_DECIMAL), earned, applicable, failures, sections)


def _earned(criterion: Criterion, answer: Answer) -> int:
    if answer.outcome is Outcome.MET:
        return criterion.points
    if answer.outcome is Outcome.PARTLY:
        return answer.points or 0
    return 0


def _answer_problems(criterion: Criterion, answer: Answer) -> Iterable[str]:
    outcome = answer.outcome
    if outcome is Outcome.NA and not criterion.na_allowed:
        yield "cannot be N/A"
    if outcome is Outcome.PARTLY:
        if not criterion.partial:
            yield "takes no partial marks (met or missed)"
        elif answer.points is None or not 0 < answer.points < criterion.points:
            yield f"partial points must be between 1 and {criterion.points - 1}"
    elif answer.points is not None:
        yield f"points are given only with a partial mark, not with {outcome.value!r}"
    if criterion.critical and outcome is Outcome.MISSED and not answer.remark.strip():
        yield "a missed red line needs a remark saying what happened"
