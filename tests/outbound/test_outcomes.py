"""Outcomes read from what the real Asterisk 22.10.1 sent (``data/*.ami``, see ``data/README.md``)."""

from __future__ import annotations

import pytest

from outbound.errors import ModelError
from outbound.outcomes import OriginateReport, Outcome, answered_outcome, unanswered_outcome
from tests.outbound.ami_capture import DATA, SCENARIOS, parse_blocks, report_for

# scenario: (Response Success?, Reason, our channel's Hangup Cause, DialStatus, outcome)
OBSERVED: dict[str, tuple[bool, int, int, str | None, Outcome | None]] = {
    "answer": (True, 4, 16, "ANSWER", None),
    "busy": (False, 5, 0, "BUSY", Outcome.BUSY),
    "congestion": (False, 8, 0, "CONGESTION", Outcome.FAILED),
    "ring_no_answer": (False, 3, 19, None, Outcome.NO_ANSWER),
    "silent_no_answer": (False, 3, 19, None, Outcome.NO_ANSWER),
    "rejected": (False, 0, 21, "NOANSWER", Outcome.BUSY),
    "unallocated": (False, 0, 1, "NOANSWER", Outcome.INVALID_NUMBER),
    "hangup_before_answer": (False, 0, 16, "NOANSWER", Outcome.NO_ANSWER),
    "ring_then_busy": (False, 0, 17, "BUSY", Outcome.BUSY),
    "no_such_extension": (False, 0, 0, None, Outcome.FAILED),
}


def test_every_scenario_has_a_capture_and_an_expectation() -> None:
    assert set(OBSERVED) == set(SCENARIOS)
    assert {p.stem for p in DATA.glob("*.ami")} == set(SCENARIOS)


@pytest.mark.parametrize("scenario", sorted(OBSERVED))
def test_capture_is_whole(scenario: str) -> None:
    data = (DATA / f"{scenario}.ami").read_bytes()
    assert data.startswith(b"Asterisk Call Manager/11.0.0\r\n")
    assert parse_blocks(data)[-1]["Response"] == "Goodbye"


@pytest.mark.parametrize("scenario", sorted(OBSERVED))
def test_report_from_captured_bytes(scenario: str) -> None:
    succeeded, reason, cause, status, outcome = OBSERVED[scenario]
    report = report_for((DATA / f"{scenario}.ami").read_bytes(), scenario)
    assert report == OriginateReport(succeeded, reason, cause, status)
    assert report.answered is (outcome is None)
    assert unanswered_outcome(report) is outcome


@pytest.mark.parametrize(
    ("scenario", "leg_cause"),
    [("busy", "17"), ("congestion", "34"), ("rejected", "21"), ("unallocated", "1")],
)
def test_the_second_local_leg_carries_the_far_end_cause(scenario: str, leg_cause: str) -> None:
    blocks = parse_blocks((DATA / f"{scenario}.ami").read_bytes())
    ours = f"ob-{scenario}"
    second = next(b for b in blocks if b.get("Event") == "Hangup" and b.get("Uniqueid") == f"{ours};2")
    assert second["Cause"] == leg_cause


def test_reason_wins_over_cause_and_dial_status() -> None:
    assert unanswered_outcome(OriginateReport(False, 5, 1, "NOANSWER")) is Outcome.BUSY
    assert unanswered_outcome(OriginateReport(False, 3, 17, "BUSY")) is Outcome.NO_ANSWER


@pytest.mark.parametrize(
    ("cause", "outcome"),
    [
        (1, Outcome.INVALID_NUMBER),
        (3, Outcome.INVALID_NUMBER),
        (22, Outcome.INVALID_NUMBER),
        (28, Outcome.INVALID_NUMBER),
        (17, Outcome.BUSY),
        (21, Outcome.BUSY),
        (16, Outcome.NO_ANSWER),
        (18, Outcome.NO_ANSWER),
        (19, Outcome.NO_ANSWER),
        (20, Outcome.NO_ANSWER),
        (34, Outcome.FAILED),
        (38, Outcome.FAILED),
    ],
)
def test_reason_zero_or_one_is_read_through_the_cause(cause: int, outcome: Outcome) -> None:
    assert unanswered_outcome(OriginateReport(False, 0, cause)) is outcome
    assert unanswered_outcome(OriginateReport(False, 1, cause)) is outcome


def test_without_a_known_cause_the_dial_status_decides() -> None:
    assert unanswered_outcome(OriginateReport(False, 0, None, "BUSY")) is Outcome.BUSY
    assert unanswered_outcome(OriginateReport(False, 0, 0, "NOANSWER")) is Outcome.NO_ANSWER
    assert unanswered_outcome(OriginateReport(False, 0, None, "CHANUNAVAIL")) is Outcome.FAILED
    assert unanswered_outcome(OriginateReport(False, 0)) is Outcome.FAILED
    assert unanswered_outcome(OriginateReport(False, 99)) is Outcome.FAILED


def test_reason_four_with_failure_is_not_answered() -> None:
    assert unanswered_outcome(OriginateReport(False, 4)) is Outcome.FAILED


def test_answered_outcomes() -> None:
    assert answered_outcome(abandoned=True, script_completed=False) is Outcome.ABANDONED
    assert answered_outcome(abandoned=True, script_completed=True) is Outcome.ABANDONED
    assert answered_outcome(abandoned=False, script_completed=True) is Outcome.COMPLETED
    assert answered_outcome(abandoned=False, script_completed=False) is Outcome.HUNG_UP_IN_SCRIPT


def test_outcome_properties() -> None:
    assert {o for o in Outcome if o.answered} == {
        Outcome.COMPLETED,
        Outcome.HUNG_UP_IN_SCRIPT,
        Outcome.ABANDONED,
    }
    assert [o for o in Outcome if not o.dialled] == [Outcome.DNC_BLOCKED]
    assert {o for o in Outcome if not o.may_have_rung} == {
        Outcome.FAILED,
        Outcome.INVALID_NUMBER,
        Outcome.DNC_BLOCKED,
    }


@pytest.mark.parametrize(
    ("response", "hangup", "dial_end", "message"),
    [
        ({"Event": "Hangup", "Reason": "4"}, None, None, "expected a OriginateResponse"),
        ({"Event": "OriginateResponse", "Response": "Maybe", "Reason": "4"}, None, None, "Maybe"),
        ({"Event": "OriginateResponse", "Response": "Success", "Reason": "x"}, None, None, "not a number"),
        ({"Event": "OriginateResponse", "Response": "Success"}, None, None, "not a number"),
        (
            {"Event": "OriginateResponse", "Response": "Failure", "Reason": "0"},
            {"Event": "Hangup", "Cause": ""},
            None,
            "Cause",
        ),
        (
            {"Event": "OriginateResponse", "Response": "Failure", "Reason": "0"},
            None,
            {"Event": "Hangup"},
            "DialEnd",
        ),
    ],
)
def test_malformed_events(
    response: dict[str, str], hangup: dict[str, str] | None, dial_end: dict[str, str] | None, message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        OriginateReport.from_events(response, hangup, dial_end)
