from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outbound.abandon import DayCount
from outbound.errors import ModelError
from outbound.predictive import (
    DialLevel,
    PredictivePacing,
    PredictiveSnapshot,
    TrafficStats,
    cap_factor,
    predictive_calls,
    retune,
)

PACING = PredictivePacing()  # target 1.5 %, cap 3 %
STATS = TrafficStats(attempts_ended=200, live_answered=70, mean_answer_delay_s=8.0, agent_idle_share=0.2)


def test_dials_for_free_agents_and_wrap_ups_ending_before_an_answer() -> None:
    # 2 free + 2 wrap-ups ending within the 8 s answer delay = 4 available; 2.5 × 4 = 10 lines; 3 in flight
    snapshot = PredictiveSnapshot(
        free_agents=2, wrap_up_remaining_s=(1.0, 8.0, 12.0), in_flight=3, contacts_due=50
    )
    assert predictive_calls(PACING, DialLevel(2.5), snapshot, STATS, abandon_rate_30d=0.0) == 7


def test_near_the_cap_it_blends_into_progressive() -> None:
    snapshot = PredictiveSnapshot(2, (1.0, 5.0, 12.0), 3, 50)
    # rate 2.25 %: f = (3 − 2.25) / (3 − 1.5) = 0.5; level 1 + 0.5 × 1.5 = 1.75; available 2 + 0.5 × 2 = 3
    assert cap_factor(PACING, 0.0225) == pytest.approx(0.5)
    assert (
        predictive_calls(PACING, DialLevel(2.5), snapshot, STATS, abandon_rate_30d=0.0225) == 2
    )  # ⌊5.25⌋ − 3
    assert cap_factor(PACING, 0.015) == 1.0
    assert cap_factor(PACING, 0.03) == 0.0


def test_contacts_due_limit_the_calls() -> None:
    snapshot = PredictiveSnapshot(10, (), 0, 4)
    assert predictive_calls(PACING, DialLevel(3.0), snapshot, STATS, 0.0) == 4


@given(
    st.integers(0, 30),
    st.lists(st.floats(0, 60), max_size=20),
    st.integers(0, 60),
    st.integers(0, 500),
    st.floats(1.0, 4.0),
    st.floats(0.03, 1.0),
)
def test_at_or_over_the_cap_it_is_exactly_progressive(
    free: int, wrap_ups: list[float], in_flight: int, due: int, level: float, rate: float
) -> None:
    snapshot = PredictiveSnapshot(free, tuple(wrap_ups), in_flight, due)
    progressive = max(0, min(free - in_flight, due))
    assert predictive_calls(PACING, DialLevel(level), snapshot, STATS, rate) == progressive


@given(st.integers(0, 30), st.integers(0, 60), st.floats(1.0, 4.0), st.floats(0, 1.0))
def test_never_fewer_than_progressive(free: int, in_flight: int, level: float, rate: float) -> None:
    snapshot = PredictiveSnapshot(free, (), in_flight, 1000)
    assert predictive_calls(PACING, DialLevel(level), snapshot, STATS, rate) >= max(0, free - in_flight)


def test_retune_waits_fifteen_seconds() -> None:
    level = DialLevel(2.0, tuned_at=100.0, seen=DayCount(70, 1))
    assert retune(level, PACING, STATS, 114.9, DayCount(80, 5)) is level


def test_each_new_abandon_lowers_the_level_by_ten_percent() -> None:
    level = DialLevel(2.0, tuned_at=100.0, seen=DayCount(70, 1))
    tuned = retune(level, PACING, STATS, 115.0, DayCount(75, 3))
    assert tuned.level == pytest.approx(2.0 * 0.9 * 0.9)
    assert (tuned.tuned_at, tuned.seen) == (115.0, DayCount(75, 3))


def test_waiting_agents_raise_the_level_while_under_the_target() -> None:
    level = DialLevel(2.0, tuned_at=100.0, seen=DayCount(70, 1))
    assert retune(level, PACING, STATS, 115.0, DayCount(80, 1)).level == pytest.approx(2.1)  # 1.25 %


def test_over_the_target_without_new_abandons_the_level_holds() -> None:
    level = DialLevel(2.0, tuned_at=100.0, seen=DayCount(50, 1))
    assert retune(level, PACING, STATS, 115.0, DayCount(55, 1)).level == 2.0  # 1.8 %


def test_busy_agents_do_not_raise_the_level() -> None:
    busy = TrafficStats(200, 70, 8.0, agent_idle_share=0.04)
    assert retune(DialLevel(2.0), PACING, busy, 0.0, DayCount()).level == 2.0


def test_the_level_stays_between_one_and_one_over_the_answer_rate() -> None:
    half = TrafficStats(attempts_ended=100, live_answered=50, mean_answer_delay_s=8.0, agent_idle_share=0.5)
    assert retune(DialLevel(1.95), PACING, half, 0.0, DayCount()).level == 2.0  # 1 / 0.5
    assert retune(DialLevel(1.05), PACING, STATS, 0.0, DayCount(10, 5)).level == 1.0
    assert retune(DialLevel(3.9), PACING, STATS, 0.0, DayCount(70, 0)).level == pytest.approx(200 / 70)


def test_the_first_retune_happens_at_once() -> None:
    assert retune(DialLevel.initial(PACING), PACING, STATS, 0.0, DayCount()).tuned_at == 0.0
    assert DialLevel.initial(PACING).level == 1.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target_abandon_rate": 0.03},
        {"target_abandon_rate": 0.0},
        {"abandon_cap": 0.05},
        {"initial_dial_level": 0.5},
        {"initial_dial_level": 5.0},
        {"retune_every_s": 0},
        {"step_down": 1.0},
    ],
)
def test_bad_pacing(kwargs: dict[str, float]) -> None:
    with pytest.raises(ModelError):
        PredictivePacing(**kwargs)


@pytest.mark.parametrize(
    "args",
    [(10, 11, 5.0, 0.1), (10, 5, -1.0, 0.1), (10, 5, 5.0, 1.5)],
)
def test_bad_stats(args: tuple[int, int, float, float]) -> None:
    with pytest.raises(ModelError):
        TrafficStats(*args)
