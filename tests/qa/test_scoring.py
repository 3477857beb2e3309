from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.errors import AnswerError
from qa.form_file import parse_form
from qa.scoring import Answer, Outcome, compute_score, validate_answers

from .support import FORM, answers

OUT = Outcome


def test_every_criterion_met_scores_100() -> None:
    result = compute_score(FORM, answers())
    assert (result.total, result.earned, result.applicable, result.critical_failures) == (
        Decimal("100.0"),
        100,
        100,
        (),
    )
    assert [(s.section_id, s.earned, s.applicable) for s in result.sections] == [
        ("opening", 10, 10),
        ("listening", 25, 25),
        ("handling", 55, 55),
        ("closing", 10, 10),
        ("red-lines", 0, 0),
    ]


def test_with_nothing_na_the_score_is_the_points_earned() -> None:
    given_answers = answers(
        overrides={"greeting": OUT.MISSED, "answer-accuracy": Answer("answer-accuracy", OUT.PARTLY, 18)}
    )
    result = compute_score(FORM, given_answers)
    # 100 - 5 (greeting) - 7 (25 → 18)
    assert (result.total, result.earned, result.applicable) == (Decimal("88.0"), 88, 100)


def test_na_items_leave_the_form_and_the_rest_is_scaled_to_100() -> None:
    # a consultation: no account looked up, no ticket, no dispatch → 5 + 15 + 10 + 5 points N/A
    na = {
        "identity-check": OUT.NA,
        "ticket-registered": OUT.NA,
        "dispatch-correct": OUT.NA,
        "ticket-number-and-limit": OUT.NA,
    }
    result = compute_score(FORM, answers(overrides={**na, "courtesy": Answer("courtesy", OUT.PARTLY, 3)}))
    # applicable 100 - 35 = 65; earned 65 - 2 = 63; 100 × 63 / 65 = 96.923… → 96.9
    assert (result.total, result.earned, result.applicable) == (Decimal("96.9"), 63, 65)
    handling = result.sections[2]
    assert (handling.earned, handling.applicable) == (30, 30)


def test_a_missed_red_line_zeroes_the_score_whatever_was_earned() -> None:
    result = compute_score(
        FORM,
        answers(overrides={"no-disclosure": Answer("no-disclosure", OUT.MISSED, remark="read out the bill")}),
    )
    assert (result.total, result.earned, result.critical_failures, result.zeroed) == (
        Decimal("0.0"),
        100,
        ("no-disclosure",),
        True,
    )


def test_rounding_is_half_up_to_one_decimal() -> None:
    form = parse_form(
        {
            "form": "r",
            "version": 1,
            "title": {"zh": "r", "en": "r"},
            "sections": [
                {
                    "id": "s",
                    "title": {"zh": "s", "en": "s"},
                    "criteria": [
                        {
                            "id": "x",
                            "label": {"zh": "x", "en": "x"},
                            "points": 80,
                            "partial": True,
                            "na": True,
                        },
                        {"id": "y", "label": {"zh": "y", "en": "y"}, "points": 20, "na": True},
                    ],
                }
            ],
        },
        "r",
    )
    # 100 × 13 / 80 = 16.25 exactly: half-up gives 16.3 (half-even would give 16.2)
    result = compute_score(form, [Answer("x", OUT.PARTLY, 13), Answer("y", OUT.NA)])
    assert result.total == Decimal("16.3")
    with pytest.raises(AnswerError, match="every criterion with points is N/A"):
        compute_score(form, [Answer("x", OUT.NA), Answer("y", OUT.NA)])


def test_answers_are_checked_against_the_form_and_every_problem_named() -> None:
    wrong = {
        "listening": Answer("listening", OUT.PARTLY, 10),  # 10 of 10 is not partial
        "confirms-need": Answer("confirms-need", OUT.PARTLY, 2),  # takes no partial marks
        "courtesy": Answer("courtesy", OUT.MET, 5),  # points only with partial
        "no-abuse": Answer("no-abuse", OUT.MISSED),  # a red line needs a remark
    }
    given_answers = [a for a in answers(overrides=wrong) if a.criterion_id != "farewell"]
    given_answers += [Answer("greeting", OUT.MET), Answer("smiles", OUT.MET)]
    with pytest.raises(AnswerError) as caught:
        validate_answers(FORM, given_answers)
    assert caught.value.problems == (
        "criterion 'greeting': answered twice",
        "criterion 'smiles': not on this form",
        "criterion 'listening': partial points must be between 1 and 9",
        "criterion 'confirms-need': takes no partial marks (met or missed)",
        "criterion 'courtesy': points are given only with a partial mark, not with 'met'",
        "criterion 'farewell': not answered",
        "criterion 'no-abuse': a missed red line needs a remark saying what happened",
    )


def test_na_only_where_the_form_allows_it() -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answers(FORM, answers(overrides={"greeting": OUT.NA}))
    assert caught.value.problems == ("criterion 'greeting': cannot be N/A",)


partial_points = st.fixed_dictionaries(
    {
        "listening": st.integers(0, 10),
        "courtesy": st.integers(0, 5),
        "answer-accuracy": st.integers(0, 25),
        "ticket-registered": st.integers(0, 15),
    }
)


def _as_answer(criterion_id: str, points: int, full: int) -> Answer:
    if points == full:
        return Answer(criterion_id, OUT.MET)
    return Answer(criterion_id, OUT.PARTLY, points) if points else Answer(criterion_id, OUT.MISSED)


@given(partial_points, st.sets(st.sampled_from(["identity-check", "hold-etiquette", "dispatch-correct"])))
def test_scores_stay_within_0_and_100_and_rise_with_points(marks: dict[str, int], na: set[str]) -> None:
    full = {c.id: c.points for c in FORM.criteria}
    overrides: dict[str, Answer | Outcome] = {cid: _as_answer(cid, p, full[cid]) for cid, p in marks.items()}
    overrides.update({cid: OUT.NA for cid in na})
    result = compute_score(FORM, answers(overrides=overrides))
    assert Decimal(0) <= result.total <= Decimal(100)
    assert result.applicable == 100 - sum(full[c] for c in na)
    assert result.earned == result.applicable - sum(full[c] - p for c, p in marks.items())
    for cid, points in marks.items():
        if points < full[cid]:
            better = {**overrides, cid: _as_answer(cid, points + 1, full[cid])}
            assert compute_score(FORM, answers(overrides=better)).total >= result.total
