"""Stored forms read back exactly; junk in a store is a clear error, not a crash."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.agent_state import AgentState, AgentStatus
from acd.codec import (
    agent_from_json,
    agent_to_json,
    entry_from_json,
    entry_to_json,
    num,
    status_fields,
    status_from_fields,
)
from acd.errors import StoreUnavailable
from acd.model import (
    Agent,
    AgentLevel,
    CallbackRequest,
    HistoryEntry,
    Segment,
    Skill,
    SkillRequirement,
    WaitingCall,
)

names = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters=":"),
    min_size=1,
    max_size=12,
)
times = st.floats(min_value=0, max_value=4e9, allow_nan=False)
requirements = st.builds(SkillRequirement, names, st.sampled_from(list(AgentLevel)), st.none() | names)
history = st.lists(st.builds(HistoryEntry, times, names, st.none() | names, st.text(max_size=20)), max_size=3)


@st.composite
def entries(draw: st.DrawFn) -> WaitingCall | CallbackRequest:
    call = WaitingCall(
        draw(names),
        draw(requirements),
        draw(st.sampled_from(list(Segment))),
        draw(names),
        draw(times),
        draw(st.text(max_size=10)),
        draw(st.none() | names),
        draw(st.none() | names),
        tuple(draw(history)),
    )
    if draw(st.booleans()):
        return CallbackRequest.for_call(call, draw(names), draw(times))
    return call


@given(entries())
def test_entries_round_trip(entry: WaitingCall | CallbackRequest) -> None:
    assert entry_from_json(entry_to_json(entry)) == entry


@given(
    st.builds(
        Agent,
        names,
        names,
        names,
        st.sampled_from(list(AgentLevel)),
        st.lists(names, unique=True, max_size=4).map(lambda xs: tuple(Skill(x, 2) for x in xs)),
        st.lists(names, unique=True, min_size=1, max_size=3).map(tuple),
    )
)
def test_agents_round_trip(agent: Agent) -> None:
    assert agent_from_json(agent_to_json(agent)) == agent


@given(times, st.sampled_from(list(AgentState)), st.none() | times, st.none() | names)
def test_statuses_round_trip_through_text_fields(
    since: float, state: AgentState, t: float | None, s: str | None
) -> None:
    status = AgentStatus(state, since, 7, s, s, s, t, t, s)
    fields = {
        k: ("" if v is None else num(v) if isinstance(v, float) else str(v))
        for k, v in status_fields(status).items()
    }
    assert status_from_fields(fields) == status


@given(st.text(max_size=200))
def test_junk_is_a_store_error(text: str) -> None:
    for decode in (entry_from_json, agent_from_json):
        with contextlib.suppress(StoreUnavailable):  # anything else fails the test
            decode(text)


def test_a_wrong_record_names_the_problem() -> None:
    with pytest.raises(StoreUnavailable, match="stored call entry is malformed"):
        entry_from_json('{"kind": "call"}')
    with pytest.raises(StoreUnavailable, match="stored agent status is malformed"):
        status_from_fields({"state": "dancing", "since": "1", "version": "1"})
