"""Builders shared by the QA tests: the shipped form, answers to it, scores."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from qa.form import ScoringForm
from qa.form_file import default_form
from qa.score import Score, ScoredCall, ScoredFrom, make_score
from qa.scoring import Answer, Outcome

FORM = default_form()
T0 = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)  # Monday 10:00 in the centres' time zone


def answers(
    form: ScoringForm = FORM, overrides: Mapping[str, Answer | Outcome] | None = None
) -> list[Answer]:
    """Every criterion met, except the ``overrides`` (an :class:`Outcome` or a whole :class:`Answer`)."""
    out = []
    for criterion in form.criteria:
        given = (overrides or {}).get(criterion.id, Outcome.MET)
        out.append(given if isinstance(given, Answer) else Answer(criterion.id, given))
    return out


def call(
    agent: str = "agent-1001", team: str = "lz-a", prefecture: str = "lanzhou", cid: str = "c1"
) -> ScoredCall:
    return ScoredCall(cid, agent, team, prefecture, ScoredFrom.RECORDING, recording_id=f"rec-{cid}")


def score(
    score_id: str = "s1",
    *,
    overrides: Mapping[str, Answer | Outcome] | None = None,
    scored_call: ScoredCall | None = None,
    scorer: str = "qa-lz",
    now: datetime = T0,
) -> Score:
    return make_score(
        FORM,
        score_id=score_id,
        call=scored_call or call(),
        answers=answers(FORM, overrides),
        scorer=scorer,
        now=now,
    )
