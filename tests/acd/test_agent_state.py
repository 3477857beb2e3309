from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.agent_state import (
    TRANSITIONS,
    AgentEvent,
    AgentState,
    AgentStatus,
    Timings,
    transition,
)
from acd.errors import IllegalTransition, ModelError

T = Timings(ring_timeout_s=15.0, wrapup_s=10.0)
S, E = AgentState, AgentEvent


def go(status: AgentStatus, event: AgentEvent, now: float, **kw: object) -> AgentStatus:
    return transition("a1", status, event, now, T, **kw)  # type: ignore[arg-type]


def logged_in(now: float = 0.0) -> AgentStatus:
    return go(AgentStatus.logged_out(now), E.LOGIN, now, node="n1")


def test_a_call_cycle_carries_since_and_deadlines() -> None:
    s = logged_in(1.0)
    assert (s.state, s.since, s.idle_since, s.node, s.version) == (S.AVAILABLE, 1.0, 1.0, "n1", 1)
    s = go(s, E.RESERVE, 5.0, entry_id="u1")
    assert (s.state, s.since, s.deadline, s.entry_id, s.idle_since) == (S.RESERVED, 5.0, 20.0, "u1", 1.0)
    s = go(s, E.ANSWER, 7.0, entry_id="u1")
    assert (s.state, s.since, s.deadline) == (S.ON_CALL, 7.0, None)
    s = go(s, E.HANGUP, 60.0, entry_id="u1")
    assert (s.state, s.since, s.deadline) == (S.WRAP_UP, 60.0, 70.0)
    s = go(s, E.WRAPUP_DONE, 70.0)
    assert (s.state, s.since, s.idle_since, s.entry_id, s.version) == (S.AVAILABLE, 70.0, 70.0, None, 5)


def test_no_answer_pauses_with_reason() -> None:
    s = go(go(logged_in(), E.RESERVE, 1.0, entry_id="u1"), E.NO_ANSWER, 16.0, entry_id="u1")
    assert (s.state, s.reason, s.deadline, s.entry_id) == (S.PAUSED, "no-answer", None, None)


def test_cancelled_offer_gives_the_idle_place_back() -> None:
    s = go(go(logged_in(1.0), E.RESERVE, 9.0, entry_id="u1"), E.OFFER_CANCELLED, 10.0, entry_id="u1")
    assert (s.state, s.since, s.idle_since) == (S.AVAILABLE, 10.0, 1.0)


def test_pause_while_ringing_or_talking_is_pending_and_taken_after_wrapup() -> None:
    s = go(go(logged_in(), E.RESERVE, 1.0, entry_id="u1"), E.PAUSE, 2.0, reason="lunch")
    assert (s.state, s.pending_pause) == (S.RESERVED, "lunch")
    s = go(s, E.ANSWER, 3.0, entry_id="u1")
    assert (s.state, s.pending_pause) == (S.ON_CALL, "lunch")
    s = go(s, E.HANGUP, 4.0, entry_id="u1")
    assert (s.state, s.pending_pause) == (S.WRAP_UP, "lunch")
    s = go(s, E.WRAPUP_DONE, 14.0)
    assert (s.state, s.reason, s.pending_pause) == (S.PAUSED, "lunch", None)


def test_unpause_takes_back_a_pending_pause() -> None:
    s = go(go(logged_in(), E.RESERVE, 1.0, entry_id="u1"), E.PAUSE, 2.0, reason="lunch")
    s = go(s, E.UNPAUSE, 3.0)
    assert (s.state, s.pending_pause) == (S.RESERVED, None)
    with pytest.raises(IllegalTransition, match="no pause to take back"):
        go(s, E.UNPAUSE, 4.0)


def test_zero_wrapup_goes_straight_to_available() -> None:
    s = go(go(logged_in(), E.RESERVE, 1.0, entry_id="u1"), E.ANSWER, 2.0, entry_id="u1")
    s = transition("a1", s, E.HANGUP, 9.0, Timings(15.0, 0.0), entry_id="u1")
    assert (s.state, s.idle_since) == (S.AVAILABLE, 9.0)


def test_events_about_another_call_are_refused() -> None:
    s = go(logged_in(), E.RESERVE, 1.0, entry_id="u1")
    with pytest.raises(IllegalTransition, match="busy with 'u1', not 'u2'"):
        go(s, E.ANSWER, 2.0, entry_id="u2")


@pytest.mark.parametrize("event", [E.LOGOUT, E.LOGIN, E.WRAPUP_DONE])
def test_agent_cannot_leave_a_ringing_phone_by_logging_out(event: AgentEvent) -> None:
    s = go(logged_in(), E.RESERVE, 1.0, entry_id="u1")
    with pytest.raises(IllegalTransition):
        go(s, event, 2.0)


def test_force_logout_from_every_logged_in_state() -> None:
    for state in set(S) - {S.LOGGED_OUT}:
        assert (state, E.FORCE_LOGOUT) in TRANSITIONS
    assert (S.LOGGED_OUT, E.FORCE_LOGOUT) not in TRANSITIONS


def test_pause_needs_a_reason_and_login_a_node() -> None:
    with pytest.raises(ModelError):
        go(logged_in(), E.PAUSE, 1.0)
    with pytest.raises(ModelError):
        go(AgentStatus.logged_out(0.0), E.LOGIN, 1.0)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(list(AgentEvent)), max_size=40))
def test_any_event_sequence_keeps_the_status_well_formed(events: list[AgentEvent]) -> None:
    """Illegal events change nothing; legal ones keep version, deadline and call consistent."""
    s = AgentStatus.logged_out(0.0)
    for i, event in enumerate(events, start=1):
        now = float(i)
        kw: dict[str, object] = {"entry_id": s.entry_id, "reason": "r", "node": "n1"}
        if event is E.RESERVE:
            kw["entry_id"] = f"u{i}"
        try:
            new = go(s, event, now, **kw)
        except IllegalTransition:
            assert (s.state, event) not in TRANSITIONS or event is E.UNPAUSE
            continue
        assert new.version == s.version + 1
        assert new.since == s.since or new.since == now
        assert (new.deadline is not None) == (new.state in (S.RESERVED, S.WRAP_UP))
        assert (new.entry_id is not None) == (new.state in (S.RESERVED, S.ON_CALL, S.WRAP_UP))
        assert (new.reason is not None) == (new.state is S.PAUSED)
        assert new.pending_pause is None or new.state in (S.RESERVED, S.ON_CALL, S.WRAP_UP)
        assert (new.idle_since is not None) == (new.state in (S.AVAILABLE, S.RESERVED))
        assert (new.node is not None) == (new.state is not S.LOGGED_OUT)
        s = new
