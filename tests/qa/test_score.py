from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import yaml

from qa.errors import FormChanged, QaError, RecordMismatch, UnknownForm
from qa.form import FormLibrary
from qa.form_file import DEFAULT_FORM_PATH, parse_form
from qa.score import ScoredFrom, from_record, make_score, to_record
from qa.scoring import Answer, Outcome

from .support import FORM, T0, answers, call, score


def edited_form(version: int, en: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_FORM_PATH.read_text(encoding="utf-8"))
    data["version"] = version
    data["sections"][0]["criteria"][0]["label"]["en"] = en
    return data


def test_a_score_round_trips_through_json_with_its_form_version() -> None:
    made = score(overrides={"courtesy": Answer("courtesy", Outcome.PARTLY, 2, remark="flat tone")})
    assert made.result.total == Decimal("97.0")
    record = json.loads(json.dumps(to_record(made), ensure_ascii=False))
    assert record["form"] == {"id": "hotline-call", "version": 1, "fingerprint": FORM.fingerprint}
    assert record["total"] == "97.0" and record["scored_at"] == "2024-03-04T02:00:00+00:00"
    version_2 = parse_form(edited_form(2, "Greets the caller"), "v2")
    back = from_record(record, FormLibrary([FORM, version_2]))
    assert back == made
    assert (back.form_version, back.call.source) == (1, ScoredFrom.RECORDING)


def test_a_score_is_never_recomputed_against_a_changed_version() -> None:
    record = to_record(score())
    changed_in_place = parse_form(edited_form(1, "Greets the caller"), "edited")
    with pytest.raises(FormChanged, match="publish a new version instead"):
        from_record(record, FormLibrary([changed_in_place]))
    with pytest.raises(UnknownForm):
        from_record(record, FormLibrary([parse_form(edited_form(2, "x"), "v2")]))


def test_a_record_whose_total_does_not_follow_from_its_answers_is_refused() -> None:
    record = to_record(score())
    record["total"] = "99.0"
    with pytest.raises(RecordMismatch, match=r"recorded total 99\.0, the form gives 100\.0"):
        from_record(record, FormLibrary([FORM]))
    record = to_record(score())
    record["answers"][0]["points"] = "5"
    with pytest.raises(RecordMismatch, match="malformed record"):
        from_record(record, FormLibrary([FORM]))
    del record["call"]
    with pytest.raises(RecordMismatch, match="score s1: malformed"):
        from_record(record, FormLibrary([FORM]))


def test_nobody_scores_their_own_call_and_times_carry_a_zone() -> None:
    with pytest.raises(QaError, match="cannot score their own call"):
        make_score(FORM, score_id="s9", call=call(agent="a1"), answers=answers(), scorer="a1", now=T0)
    with pytest.raises(QaError, match="time zone"):
        make_score(
            FORM, score_id="s9", call=call(), answers=answers(), scorer="qa", now=T0.replace(tzinfo=None)
        )
