from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from reports.records import CallLeg, CallOutcome, CallRecord, Direction, Party, RecordError

from .dataset import at, calls, s

T0 = at("2024-03-01T09:00:00")


def by_id() -> dict[str, CallRecord]:
    return {c.call_id: c for c in calls()}


def test_derived_times_of_an_answered_call() -> None:
    l1 = by_id()["L1"]
    assert l1.answered_at == at("2024-03-01T09:00:50")
    assert l1.agent == "a1"
    assert l1.queue_wait_ms == 20_000
    leg = l1.legs[0]
    assert (leg.talk_ms, leg.hold_ms, leg.wrap_ms, leg.handle_ms) == (150_000, 30_000, 30_000, 210_000)
    assert l1.wrap_up_end == at("2024-03-01T09:04:20")
    assert l1.ivr_exit_node == "consult"


def test_a_transferred_call_answers_with_its_first_agent_and_is_rated_for_its_last() -> None:
    l7 = by_id()["L7"]
    assert l7.agent == "a1"
    assert l7.last_agent_leg is not None and l7.last_agent_leg.agent == "s1"
    assert l7.transfers == 1 and l7.hold_ms == 60_000
    assert l7.hung_up_at.date() > l7.arrived_at.date()  # spans midnight


def test_the_queue_wait_of_an_abandoned_call_runs_to_hang_up() -> None:
    assert by_id()["L3"].queue_wait_ms == 3_000
    assert by_id()["L5"].queue_wait_ms is None


def test_durations_are_whole_milliseconds_truncated() -> None:
    leg = CallLeg("a1", "consult", T0, T0 + s(10.0009), T0 + s(0.0004))
    assert leg.talk_ms == 10_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hung_up_at": at("2024-03-01T08:59:00")}, "out of order"),
        ({"outcome": CallOutcome.ABANDONED_IN_QUEUE}, "abandoned in queue"),
        ({"outcome": CallOutcome.CONTACTED}, "outbound outcome"),
        ({"skill": None}, "names its skill"),
        ({"campaign": "collection"}, "no campaign"),
        ({"arrived_at": datetime(2024, 3, 1, 9)}, "naive"),
    ],
)
def test_impossible_records_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RecordError, match=message):
        replace(by_id()["L1"], **change)


def test_outcomes_must_agree_with_the_ivr_flags() -> None:
    l5 = by_id()["L5"]
    with pytest.raises(RecordError, match="self_served"):
        replace(l5, self_served=False)
    with pytest.raises(RecordError, match="self_served"):
        replace(by_id()["L6"], self_served=True)
    with pytest.raises(RecordError, match="rated"):
        replace(by_id()["L4"], rating=by_id()["L1"].rating)


def test_outbound_records_name_a_campaign_and_contact_means_an_agent_answered() -> None:
    base = CallRecord(
        "O", Direction.OUTBOUND, "lanzhou", T0, T0 + s(20), CallOutcome.NO_ANSWER, Party.SYSTEM, campaign="c"
    )
    with pytest.raises(RecordError, match="campaign"):
        replace(base, campaign=None)
    with pytest.raises(RecordError, match="contacted"):
        replace(base, outcome=CallOutcome.CONTACTED)
    with pytest.raises(RecordError, match="inbound outcome"):
        replace(base, outcome=CallOutcome.ANSWERED)


def test_legs_are_checked() -> None:
    with pytest.raises(RecordError, match="holds longer"):
        CallLeg("a1", "consult", T0, T0 + s(10), T0 + s(1), hold_ms=9_001)
    with pytest.raises(RecordError, match="unanswered leg"):
        CallLeg("a1", "consult", T0, T0 + s(10), wrap_up_end=T0 + s(20))
    with pytest.raises(RecordError, match="escalation is a transfer"):
        CallLeg("a1", "consult", T0, T0 + s(10), T0 + s(1), escalated=True)
    with pytest.raises(RecordError, match="wrap-up before"):
        CallLeg("a1", "consult", T0, T0 + s(10), T0 + s(1), wrap_up_end=T0 + s(5))
