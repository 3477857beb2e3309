from __future__ import annotations

from acd.model import AgentLevel
from acd.routing import AgentHead, ChoicePolicy, EntryHead, choose_agent, choose_entry

J, S, M = AgentLevel.JUNIOR, AgentLevel.SENIOR, AgentLevel.MANAGER
CONSERVE = ChoicePolicy(conserve_higher_levels=True)
PLAIN = ChoicePolicy(conserve_higher_levels=False)


def test_longest_idle_among_eligible() -> None:
    heads = [AgentHead("j2", J, 50.0), AgentHead("s1", S, 10.0)]
    assert choose_agent(J, heads, {J: 1, S: 1}, PLAIN) == heads[1]


def test_a_junior_takes_a_junior_call_before_a_longer_idle_senior() -> None:
    heads = [AgentHead("j2", J, 50.0), AgentHead("s1", S, 10.0)]
    assert choose_agent(J, heads, {J: 1, S: 1}, CONSERVE) == heads[0]


def test_a_senior_takes_a_junior_call_when_no_junior_is_free() -> None:
    heads = [AgentHead("s1", S, 10.0)]
    assert choose_agent(J, heads, {S: 1}, CONSERVE) == heads[0]


def test_keep_free_holds_back_the_last_seniors() -> None:
    keep_one = ChoicePolicy(True, {S: 1})
    heads = [AgentHead("s1", S, 10.0)]
    assert choose_agent(J, heads, {S: 1}, keep_one) is None
    assert choose_agent(J, heads, {S: 2}, keep_one) == heads[0]
    assert choose_agent(S, heads, {S: 1}, keep_one) == heads[0]  # a senior call: always


def test_ties_on_idle_time_go_by_id() -> None:
    heads = [AgentHead("b", J, 5.0), AgentHead("a", S, 5.0)]
    assert choose_agent(J, heads, {J: 1, S: 1}, PLAIN) == heads[1]


def test_a_senior_serves_senior_calls_first_when_conserving() -> None:
    heads = [EntryHead("u-junior", J, 1.0), EntryHead("u-senior", S, 9.0)]
    assert choose_entry(S, heads, {S: 1}, CONSERVE) == heads[1]
    assert choose_entry(S, heads, {S: 1}, PLAIN) == heads[0]


def test_best_place_in_line_first() -> None:
    heads = [EntryHead("u2", J, 9.0), EntryHead("u1", J, 1.0), EntryHead("u0", J, 1.0)]
    assert choose_entry(J, heads, {J: 1}, CONSERVE) == heads[2]
    assert choose_entry(M, [], {M: 1}, CONSERVE) is None
