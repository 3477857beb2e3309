from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import PolicyError
from qa.sampling import (
    AllComplaints,
    AllLowRated,
    CallFacts,
    Period,
    QuotaPerAgent,
    Rating,
    SamplingRule,
    parse_rules,
    period_key,
    select_calls,
)

R = Rating
MONDAY = datetime(2024, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in the centres' time zone, ISO week 10


def calls_of(agent: str, count: int, start: int = 0, **facts: object) -> list[CallFacts]:
    return [
        CallFacts(f"{agent}-{i:02d}", agent, "lanzhou", MONDAY + timedelta(hours=i), **facts)  # type: ignore[arg-type]
        for i in range(start, start + count)
    ]


def test_periods_are_counted_in_the_centres_time_zone() -> None:
    sunday_late_utc = datetime(2024, 3, 3, 17, 0, tzinfo=UTC)  # Monday 01:00 in UTC+8
    assert period_key(sunday_late_utc, Period.DAY) == "2024-03-04"
    assert period_key(sunday_late_utc, Period.WEEK) == "2024-W10"
    assert period_key(datetime(2024, 3, 3, 15, 59, tzinfo=UTC), Period.WEEK) == "2024-W09"
    assert period_key(datetime(2024, 1, 31, 16, 0, tzinfo=UTC), Period.MONTH) == "2024-02"
    with pytest.raises(ValueError, match="no time zone"):
        period_key(datetime(2024, 3, 4), Period.DAY)


def test_all_low_rated_and_complaint_calls_are_taken_each_once_with_every_reason() -> None:
    both = CallFacts("x1", "a1", "lanzhou", MONDAY, R.DISSATISFIED, complaint=True)
    low = CallFacts("x2", "a1", "lanzhou", MONDAY + timedelta(minutes=1), R.DISSATISFIED)
    fair = CallFacts("x3", "a2", "lanzhou", MONDAY + timedelta(minutes=2), R.FAIRLY_SATISFIED)
    complaint = CallFacts("x4", "a2", "lanzhou", MONDAY + timedelta(minutes=3), None, complaint=True)
    plain = CallFacts("x5", "a2", "lanzhou", MONDAY + timedelta(minutes=4), R.SATISFIED)
    picked = select_calls([plain, complaint, fair, low, both], [AllComplaints(), AllLowRated()], seed=1)
    assert [(s.call.call_id, s.reasons) for s in picked] == [
        ("x1", ("complaint", "low-rating")),
        ("x2", ("low-rating",)),
        ("x4", ("complaint",)),
    ]
    wider = AllLowRated(frozenset({R.DISSATISFIED, R.FAIRLY_SATISFIED}))
    assert [s.call.call_id for s in select_calls([fair, plain], [wider], seed=1)] == ["x3"]


def test_a_quota_tops_up_what_the_other_rules_already_took() -> None:
    a1 = calls_of("a1", 10)
    a1[3] = CallFacts("a1-03", "a1", "lanzhou", a1[3].ended_at, R.DISSATISFIED)
    a1[7] = CallFacts("a1-07", "a1", "lanzhou", a1[7].ended_at, complaint=True)
    a2 = calls_of("a2", 2)
    picked = select_calls(a1 + a2, [QuotaPerAgent(5), AllLowRated(), AllComplaints()], seed="week-10")
    by_agent = Counter(s.call.agent_id for s in picked)
    assert by_agent == {"a1": 5, "a2": 2}  # a2 has only two calls: both
    reasons = {s.call.call_id: s.reasons for s in picked}
    assert reasons["a1-03"] == ("low-rating",) and reasons["a1-07"] == ("complaint",)
    assert sum(1 for s in picked if s.reasons == ("quota",)) == 3 + 2


def test_a_quota_counts_per_agent_and_per_period() -> None:
    next_week = [
        CallFacts(f"a1-n{i}", "a1", "lanzhou", MONDAY + timedelta(days=7, hours=i)) for i in range(4)
    ]
    picked = select_calls(calls_of("a1", 4) + next_week, [QuotaPerAgent(2)], seed=7)
    weeks = Counter(period_key(s.call.ended_at, Period.WEEK) for s in picked)
    assert weeks == {"2024-W10": 2, "2024-W11": 2}
    daily = select_calls(calls_of("a1", 30), [QuotaPerAgent(1, Period.DAY)], seed=7)
    assert len(daily) == 2  # 30 hourly calls from Monday 09:00 span Monday and Tuesday


def test_earlier_picks_count_and_are_not_picked_again() -> None:
    week = calls_of("a1", 10)
    first = select_calls(week[:6], [QuotaPerAgent(3)], seed=3)
    assert len(first) == 3
    earlier = {s.call.call_id for s in first}
    second = select_calls(week, [QuotaPerAgent(3), AllComplaints()], seed=3, already_selected=earlier)
    assert second == ()
    more = select_calls(week, [QuotaPerAgent(5)], seed=3, already_selected=earlier)
    assert len(more) == 2 and not earlier & {s.call.call_id for s in more}


def test_the_same_seed_picks_the_same_calls_whatever_the_order_and_the_other_agents() -> None:
    mine = calls_of("a1", 20)
    others = calls_of("a2", 20)
    once = select_calls(mine, [QuotaPerAgent(4)], seed=42)
    shuffled = mine + others
    random.Random(5).shuffle(shuffled)
    again = select_calls(shuffled, [QuotaPerAgent(4)], seed=42)
    assert [s for s in again if s.call.agent_id == "a1"] == list(once)
    other_seed = select_calls(mine, [QuotaPerAgent(4)], seed=43)  # 4 of 20: 4845 ways, these two differ
    assert {s.call.call_id for s in other_seed} != {s.call.call_id for s in once}


def test_bad_rules_and_candidates_are_refused() -> None:
    with pytest.raises(PolicyError) as caught:
        select_calls([], [QuotaPerAgent(0), AllLowRated(frozenset()), AllComplaints(name="quota")], seed=1)
    assert caught.value.problems == (
        "rule name 'quota' is used twice",
        "rule 'quota': n must be a whole number ≥ 1",
        "rule 'low-rating': needs at least one rating",
    )
    twice = calls_of("a1", 1) * 2
    with pytest.raises(PolicyError, match="call 'a1-00' given more than once"):
        select_calls(twice, [AllComplaints()], seed=1)


def test_rules_from_configuration() -> None:
    rules = parse_rules(
        [
            {"rule": "quota", "n": 5, "period": "week"},
            {"rule": "low-rating", "ratings": ["dissatisfied", "fairly_satisfied"]},
            {"rule": "complaint", "name": "complaints"},
        ]
    )
    assert rules == (
        QuotaPerAgent(5, Period.WEEK),
        AllLowRated(frozenset({R.DISSATISFIED, R.FAIRLY_SATISFIED})),
        AllComplaints("complaints"),
    )
    with pytest.raises(PolicyError) as caught:
        parse_rules([{"rule": "quota", "n": "5"}, {"rule": "random"}, {"rule": "complaint", "every": 1}, 3])
    assert caught.value.problems == (
        "rules[0]: n must be a whole number",
        "rules[1]: rule must be one of complaint, low-rating, quota, not 'random'",
        "rules[2]: unknown key(s) every for a complaint rule",
        "rules[3]: must be a mapping with a 'rule' key",
    )


call_facts = st.builds(
    CallFacts,
    call_id=st.text("abcdef0123", min_size=1, max_size=6),
    agent_id=st.sampled_from(["a1", "a2", "a3"]),
    prefecture=st.just("lanzhou"),
    ended_at=st.integers(0, 21 * 24 * 60).map(lambda m: MONDAY + timedelta(minutes=m)),
    rating=st.none() | st.sampled_from(Rating),
    complaint=st.booleans(),
)


@settings(max_examples=200)
@given(
    st.lists(call_facts, max_size=60, unique_by=lambda c: c.call_id),
    st.integers(1, 6),
    st.integers(0, 2**32),
    st.data(),
)
def test_selection_picks_exactly_what_the_rules_say(
    candidates: list[CallFacts], n: int, seed: int, data: st.DataObject
) -> None:
    prior = data.draw(st.sets(st.sampled_from([c.call_id for c in candidates]))) if candidates else set()
    rules: list[SamplingRule] = [AllLowRated(), AllComplaints(), QuotaPerAgent(n)]
    picked = select_calls(candidates, rules, seed=seed, already_selected=prior)
    ids = [s.call.call_id for s in picked]
    assert len(ids) == len(set(ids)) and not prior & set(ids)
    targeted = {c.call_id for c in candidates if c.complaint or c.rating is R.DISSATISFIED} - prior
    assert targeted <= set(ids)
    groups: dict[tuple[str, str], set[str]] = {}
    for c in candidates:
        groups.setdefault((c.agent_id, period_key(c.ended_at, Period.WEEK)), set()).add(c.call_id)
    for members in groups.values():
        chosen = (set(ids) | prior) & members
        assert len(chosen) == max(min(n, len(members)), len((targeted | prior) & members))
    assert select_calls(list(reversed(candidates)), rules, seed=seed, already_selected=prior) == picked
