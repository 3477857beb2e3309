from __future__ import annotations

import pytest

from acd.agent_state import AgentState, AgentStatus
from acd.events import (
    AcdEvent,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallbackRequested,
    CallEnded,
    CallEscalated,
    CallQueued,
)
from acd.model import AgentLevel, CallbackRequest, Segment, SkillRequirement, WaitingCall
from acd.stats import LiveStats

from .support import agent


def call(uid: str, skill: str, prefecture: str, at: float) -> WaitingCall:
    return WaitingCall(uid, SkillRequirement(skill), Segment.NORMAL, prefecture, at)


def status(state: AgentState) -> AgentStatus:
    return AgentStatus(state, 0.0, node="n" if state is not AgentState.LOGGED_OUT else None)


def test_figures_per_skill_prefecture_and_total() -> None:
    stats = LiveStats(threshold_s=20.0, wrapup_s=10.0)
    seen: list[AcdEvent] = []
    stats.subscribe(seen.append)
    c1, c2, c3, c4 = (
        call("u1", "billing", "chengdu", 0.0),
        call("u2", "billing", "mianyang", 5.0),
        call("u3", "complaint", "chengdu", 8.0),
        call("u4", "billing", "chengdu", 9.0),
    )
    for c in (c1, c2, c3, c4):
        stats.apply(CallQueued(c.enqueued_at, c, c.enqueued_at))
    stats.apply(CallAnswered(10.0, c1, "j1", 10.0))  # within 20 s
    stats.apply(CallAnswered(35.0, c2, "j2", 30.0))  # not within
    stats.apply(CallAbandoned(40.0, c3, 32.0, while_ringing=False))
    stats.apply(CallEnded(110.0, c1, "j1", 100.0))
    stats.apply(CallEnded(95.0, c2, "j2", 60.0))
    for agent_id, state in (
        ("j1", AgentState.WRAP_UP),
        ("j2", AgentState.ON_CALL),
        ("j3", AgentState.PAUSED),
    ):
        stats.apply(
            AgentStateChanged(0.0, agent(agent_id, skills=["billing"]), AgentState.LOGGED_OUT, status(state))
        )
    assert len(seen) == 12

    snap = stats.snapshot(50.0)
    billing = snap.by_skill["billing"]
    assert (billing.waiting, billing.longest_wait_s) == (1, 41.0)  # u4
    assert (billing.answered, billing.answered_within_threshold, billing.abandoned) == (2, 1, 0)
    assert billing.service_level == 0.5 and billing.asa_s == 20.0 and billing.abandonment_rate == 0.0
    assert billing.aht_s == 90.0  # mean of 100+10 and 60+10
    assert billing.agents["wrap_up"] == 1 and billing.agents["on_call"] == 1 and billing.agents["paused"] == 1
    # EWT: (1 waiting + 1) x 90 s / 2 agents serving (paused ones do not serve)
    assert billing.ewt_s == 90.0
    assert stats.expected_wait("billing", 0) == 45.0
    assert stats.expected_wait("fault", 0) is None
    chengdu = snap.by_prefecture["chengdu"]
    assert (chengdu.answered, chengdu.abandoned, chengdu.waiting) == (1, 1, 1)
    assert chengdu.service_level == 0.5 and chengdu.abandonment_rate == 0.5
    assert snap.total.answered == 2 and snap.total.abandoned == 1 and snap.total.waiting == 1
    assert snap.by_skill["complaint"].service_level == 0.0 and snap.by_skill["complaint"].asa_s is None
    assert snap.threshold_s == 20.0


def test_agent_moves_between_states_are_counted_once() -> None:
    stats = LiveStats(20.0, 0.0)
    a = agent("j1", skills=["billing", "fault"])
    stats.seed([a], {"j1": status(AgentState.AVAILABLE)})
    stats.apply(AgentStateChanged(1.0, a, AgentState.AVAILABLE, status(AgentState.RESERVED)))
    snap = stats.snapshot(2.0)
    for group in (
        snap.by_skill["billing"],
        snap.by_skill["fault"],
        snap.by_prefecture["chengdu"],
        snap.total,
    ):
        assert group.agents["reserved"] == 1 and group.agents["available"] == 0


def test_seeding_counts_agents_as_their_state_changes_would() -> None:
    """``seed`` adds agents alike (skills, prefecture, state) together: the same figures as one
    state change per agent; an agent seeded again moves, and one without a status is left out."""
    agents = [
        agent(f"a{i}", skills=[["billing"], ["billing", "fault"], ["complaint"]][i % 3], prefecture=p)
        for i, p in enumerate(["chengdu", "mianyang", "chengdu", "lanzhou", "chengdu", "mianyang", "x"])
    ]
    states = [AgentState.AVAILABLE, AgentState.PAUSED, AgentState.ON_CALL]
    statuses = {a.id: status(states[i % 3]) for i, a in enumerate(agents) if a.id != "a6"}
    seeded, changed = LiveStats(20.0, 0.0), LiveStats(20.0, 0.0)
    seeded.seed(agents, statuses)
    for a in agents:
        if a.id in statuses:
            changed.apply(AgentStateChanged(0.0, a, AgentState.LOGGED_OUT, statuses[a.id]))
    assert seeded.snapshot(1.0) == changed.snapshot(1.0)
    assert "x" not in seeded.snapshot(1.0).by_prefecture  # a6, without a status
    seeded.seed(agents[:1], {"a0": status(AgentState.ON_CALL)})  # a0 again: moved, not added
    changed.apply(AgentStateChanged(0.0, agents[0], AgentState.AVAILABLE, status(AgentState.ON_CALL)))
    assert seeded.snapshot(1.0) == changed.snapshot(1.0)
    assert seeded.snapshot(1.0).total.agents["on_call"] == 3


def test_escalation_and_callback_keep_the_caller_counted_once() -> None:
    stats = LiveStats(20.0, 0.0)
    c = call("u1", "billing", "chengdu", 0.0)
    stats.apply(CallQueued(0.0, c, 0.0))
    request = CallbackRequest.for_call(c, "138", 5.0)
    stats.apply(CallbackRequested(5.0, request))
    assert stats.snapshot(6.0).total.waiting == 1
    stats.apply(CallAnswered(9.0, request, "j1", 9.0))
    escalated = WaitingCall(
        "callback-u1", SkillRequirement("billing", AgentLevel.SENIOR), Segment.NORMAL, "chengdu", 20.0
    )
    stats.apply(CallEscalated(20.0, escalated, "j1", AgentLevel.SENIOR))
    snap = stats.snapshot(21.0)
    assert snap.total.waiting == 1 and snap.total.escalations == 1
    assert snap.total.longest_wait_s == pytest.approx(1.0)
