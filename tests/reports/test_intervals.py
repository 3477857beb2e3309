import random

import pytest

from reports.agent_time import add_qa_score, add_state_span, build_agent_time_cube
from reports.cube import ALL, merge, merge_cubes, roll_up
from reports.dialling import add_outbound_call, build_outbound_cube
from reports.intervals import SERVICE_LEVEL_BOUNDS_S, CallCounters, CallKey, add_call, build_call_cube
from reports.ivr_nodes import add_ivr_call, build_ivr_cube
from reports.kpis.traffic import traffic_report
from reports.periods import Grain, Period

from . import simulated_day
from .dataset import at, calls

T20 = SERVICE_LEVEL_BOUNDS_S.index(20)


def test_a_call_counts_in_the_interval_of_its_arrival_with_its_keys() -> None:
    cube = build_call_cube(calls())
    l1_key = CallKey(at("2024-03-01T09:00:00"), "lanzhou", "consult", "a1")
    # L1 (call level: offered, answered within 20 s exactly) and its leg, same key
    assert cube[l1_key].offered == 1
    assert cube[l1_key].answered_within[T20] == 1
    assert cube[l1_key].answer_wait_ms == 20_000
    assert (cube[l1_key].handled, cube[l1_key].talk_ms, cube[l1_key].hold_ms, cube[l1_key].wrap_ms) == (
        1,
        150_000,
        30_000,
        30_000,
    )
    # L2 waited 20.5 s: not within 20 s, within 30 s
    l2 = cube[CallKey(at("2024-03-01T09:00:00"), "lanzhou", "consult", "a2")]
    assert l2.answered_within[T20] == 0 and l2.answered_within[T20 + 1] == 1
    # L5, L6 never queued: no skill, no agent
    ivr_only = cube[CallKey(at("2024-03-01T09:30:00"), "lanzhou", "", "")]
    assert (ivr_only.offered, ivr_only.self_served, ivr_only.abandoned_ivr) == (2, 1, 1)


def test_a_call_spanning_midnight_belongs_wholly_to_its_arrival_day() -> None:
    cube = build_call_cube(calls())
    evening = at("2024-03-01T23:45:00")
    senior = cube[CallKey(evening, "lanzhou", "senior", "s1")]
    # s1 answered at 00:05:30 on 2 March; the leg is still counted at 23:45 on 1 March
    assert (senior.handled, senior.talk_ms, senior.hold_ms, senior.wrap_ms, senior.rated_unsatisfied) == (
        1,
        240_000,
        60_000,
        60_000,
        1,
    )
    assert not [k for k in cube if k.start >= at("2024-03-02T00:00:00")]


def test_a_call_given_in_utc_counts_in_its_local_interval() -> None:
    cube = build_call_cube(calls())
    t2 = cube[CallKey(at("2024-03-01T07:45:00"), "tianshui", "consult", "")]  # 2024-02-29T23:59:59Z
    assert (t2.offered, t2.abandoned_queue, t2.short_abandons, t2.max_wait_ms) == (1, 1, 0, 5_000)


def test_short_abandons_are_strictly_under_five_seconds() -> None:
    cube = build_call_cube(calls())
    l3 = cube[CallKey(at("2024-03-01T09:00:00"), "lanzhou", "complaint", "")]
    assert (l3.abandoned_queue, l3.short_abandons, l3.abandon_wait_ms) == (1, 1, 3_000)


def test_merging_sums_counts_and_keeps_maxima() -> None:
    a = CallCounters(offered=2, max_wait_ms=7, answered_within=(1,) * len(SERVICE_LEVEL_BOUNDS_S))
    b = CallCounters(offered=3, max_wait_ms=5, answered_within=(2,) * len(SERVICE_LEVEL_BOUNDS_S))
    both = merge(a, b)
    assert (both.offered, both.max_wait_ms, both.answered_within[0]) == (5, 7, 3)
    assert merge(a, b) == merge(b, a)
    assert merge(merge(a, b), a) == merge(a, merge(b, a))


def test_a_simulated_day_maintained_call_by_call_equals_the_recomputation() -> None:
    rows = simulated_day.records()
    recomputed = (build_call_cube(rows), build_ivr_cube(rows), build_outbound_cube(rows))
    shuffled = rows[:]
    random.Random(5).shuffle(shuffled)
    # maintained as calls end, in another order, by two nodes whose cubes are then merged
    halves = [({}, {}, {}), ({}, {}, {})]
    for i, record in enumerate(shuffled):
        c, v, o = halves[i % 2]
        add_call(c, record)
        add_ivr_call(v, record)
        add_outbound_call(o, record)
    merged = tuple(merge_cubes(halves[0][n], halves[1][n]) for n in range(3))
    assert merged == recomputed
    assert sum(c.offered for c in recomputed[0].values()) == 1500
    assert sum(c.attempts for c in recomputed[2].values()) == 300


def test_agent_time_maintained_span_by_span_equals_the_recomputation() -> None:
    spans, scores = simulated_day.state_spans(), simulated_day.qa_scores()
    cube: dict = {}
    for span in reversed(spans):
        add_state_span(cube, span)
    for score in scores:
        add_qa_score(cube, score)
    assert cube == build_agent_time_cube(spans, scores)
    # split at interval boundaries, no time is lost or made up
    total = sum(
        c.available_ms + c.reserved_ms + c.on_call_ms + c.wrap_up_ms + c.paused_ms for c in cube.values()
    )
    assert total == sum((s.end - s.start) // simulated_day._ms(1) for s in spans)


def test_rolling_up_fifteen_minutes_to_a_day_equals_counting_by_day() -> None:
    rows = simulated_day.records()
    cube = build_call_cube(rows)
    by_hour_then_day = roll_up(roll_up(cube, Grain.HOUR), Grain.DAY)
    assert by_hour_then_day == roll_up(cube, Grain.DAY)
    province = roll_up(cube, Grain.DAY, drop=("prefecture", "skill", "agent"))
    [(key, total)] = province.items()
    assert key == CallKey(at("2024-03-01T00:00:00"), ALL, ALL, ALL)
    per_prefecture = roll_up(cube, Grain.DAY, drop=("skill", "agent"))
    assert len(per_prefecture) == 3
    summed = CallCounters()
    for counters in per_prefecture.values():
        summed = merge(summed, counters)
    assert summed == total
    # the counts behind every rate add up
    assert total.offered == total.self_served + total.abandoned_ivr + total.queued
    assert total.queued == total.answered + total.abandoned_queue


def test_roll_up_can_keep_only_some_keys() -> None:
    cube = build_call_cube(calls())
    lanzhou = roll_up(cube, Grain.DAY, drop=("skill", "agent"), where=lambda k: k.prefecture == "lanzhou")
    [(key, counters)] = lanzhou.items()
    assert key.prefecture == "lanzhou" and counters.offered == 8


def test_unknown_dimensions_are_refused() -> None:
    cube = build_call_cube(calls())
    with pytest.raises(ValueError, match="no dimension node"):
        traffic_report(cube, Period.day(2024, 3, 1), by=("node",))
    with pytest.raises(ValueError, match="cannot be dropped"):
        roll_up(cube, drop=("start",))
