from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from qa.disputes import TRANSITIONS, DisputeEvent, DisputePolicy, DisputeState, ScoreStatus, transition
from qa.errors import IllegalMove
from qa.scoring import Answer, Outcome

from .support import T0, call, score

E, S = DisputeEvent, DisputeState
POLICY = DisputePolicy(window=timedelta(days=7))
AGENT = "agent-1001"


def low_score() -> ScoreStatus:
    return ScoreStatus.scored(
        score(overrides={"no-hang-up": Answer("no-hang-up", Outcome.MISSED, remark="hung up at 03:12")})
    )


def disputed() -> ScoreStatus:
    return transition(
        low_score(), E.DISPUTE, T0 + timedelta(days=1), POLICY, actor=AGENT, text="the line dropped"
    )


def test_the_table_is_scored_disputed_then_upheld_or_revised() -> None:
    assert TRANSITIONS == {
        (S.SCORED, E.DISPUTE): S.DISPUTED,
        (S.DISPUTED, E.UPHOLD): S.UPHELD,
        (S.DISPUTED, E.REVISE): S.REVISED,
    }


def test_the_agent_disputes_and_a_supervisor_upholds() -> None:
    status = disputed()
    assert (status.state, status.version, status.since) == (S.DISPUTED, 1, T0 + timedelta(days=1))
    assert status.dispute is not None and status.dispute.reason == "the line dropped"
    upheld = transition(
        status, E.UPHOLD, T0 + timedelta(days=2), POLICY, actor="sup-lz", text="heard the click"
    )
    assert (upheld.state, upheld.version, upheld.revised) == (S.UPHELD, 2, None)
    assert upheld.decision is not None and (upheld.decision.by, upheld.decision.note) == (
        "sup-lz",
        "heard the click",
    )
    assert upheld.effective.result.total == Decimal("0.0")


def test_a_revised_score_replaces_the_effective_one_and_keeps_the_original() -> None:
    new = score("s1-r", scorer="sup-lz", now=T0 + timedelta(days=2))
    revised = transition(
        disputed(), E.REVISE, T0 + timedelta(days=2), POLICY, actor="sup-lz", text="network drop", revised=new
    )
    assert revised.state is S.REVISED
    assert revised.original.result.total == Decimal("0.0") and revised.original.score_id == "s1"
    assert revised.effective is new and revised.effective.result.total == Decimal("100.0")


def test_a_score_is_disputed_once() -> None:
    upheld = transition(disputed(), E.UPHOLD, T0 + timedelta(days=2), POLICY, actor="sup-lz", text="no")
    with pytest.raises(IllegalMove, match=r"cannot dispute while upheld \(a score is disputed once\)"):
        transition(upheld, E.DISPUTE, T0 + timedelta(days=3), POLICY, actor=AGENT, text="again")
    with pytest.raises(IllegalMove, match="cannot dispute while disputed"):
        transition(disputed(), E.DISPUTE, T0 + timedelta(days=1), POLICY, actor=AGENT, text="again")
    with pytest.raises(IllegalMove, match="cannot uphold while scored"):
        transition(low_score(), E.UPHOLD, T0, POLICY, actor="sup-lz", text="x")


def test_only_the_agent_disputes_within_the_window_with_a_reason() -> None:
    status = low_score()
    with pytest.raises(IllegalMove, match="only the scored agent may dispute"):
        transition(status, E.DISPUTE, T0, POLICY, actor="agent-2002", text="unfair")
    with pytest.raises(IllegalMove, match="a reason or note is required"):
        transition(status, E.DISPUTE, T0, POLICY, actor=AGENT, text="  ")
    last_moment = T0 + timedelta(days=7)
    assert (
        transition(status, E.DISPUTE, last_moment, POLICY, actor=AGENT, text="late but in").state
        is S.DISPUTED
    )
    with pytest.raises(IllegalMove, match="the 7 days, 0:00:00 to dispute are over"):
        transition(
            status, E.DISPUTE, last_moment + timedelta(seconds=1), POLICY, actor=AGENT, text="too late"
        )


def test_neither_the_agent_nor_by_default_the_scorer_decides() -> None:
    with pytest.raises(IllegalMove, match="cannot decide their own dispute"):
        transition(disputed(), E.UPHOLD, T0, POLICY, actor=AGENT, text="fine")
    with pytest.raises(IllegalMove, match="the original scorer cannot decide"):
        transition(disputed(), E.UPHOLD, T0, POLICY, actor="qa-lz", text="fine")
    lenient = DisputePolicy(decider_may_be_scorer=True)
    assert transition(disputed(), E.UPHOLD, T0, lenient, actor="qa-lz", text="fine").state is S.UPHELD


def test_a_revision_is_of_the_same_call_and_form_version_by_the_decider() -> None:
    at = T0 + timedelta(days=2)
    with pytest.raises(IllegalMove, match="a new score goes with revise"):
        transition(disputed(), E.REVISE, at, POLICY, actor="sup-lz", text="x")
    with pytest.raises(IllegalMove, match="a new score goes with revise"):
        transition(
            disputed(), E.UPHOLD, at, POLICY, actor="sup-lz", text="x", revised=score("s2", scorer="sup-lz")
        )
    other = score("s1", scored_call=call(cid="c2"), scorer="qa-lz")
    with pytest.raises(IllegalMove) as caught:
        transition(disputed(), E.REVISE, at, POLICY, actor="sup-lz", text="x", revised=other)
    assert str(caught.value).endswith(
        "(the new score needs its own score id, must be of the same call, "
        "must be made by the one who decides)"
    )
