"""``hotline bench day``: Erlang C and the ideal queue (pure), and a short run of the bench."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.day import Day, Mix, run
from bench.erlang import erlang_c, erlang_c_asa, erlang_c_service_level, ideal_fcfs


def erlang_c_by_the_book(n: int, a: float) -> float:
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


@given(st.integers(1, 60), st.floats(0.01, 0.99))
def test_erlang_c_matches_the_textbook_formula(n: int, occupancy: float) -> None:
    assert erlang_c(n, n * occupancy) == pytest.approx(erlang_c_by_the_book(n, n * occupancy), rel=1e-9)


def test_known_values() -> None:
    # 10 agents, 8 Erlangs (a classic table value), AHT 180 s, 20 s
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)
    # 1 - 0.4092 * exp(-(10 - 8) * 20 / 180) = 1 - 0.4092 * 0.8007
    assert erlang_c_service_level(10, 8.0, 180, 20) == pytest.approx(0.6723, abs=1e-4)
    assert erlang_c_asa(10, 8.0, 180) == pytest.approx(36.83, abs=0.01)
    assert erlang_c(5, 5.0) == 1.0 and erlang_c_service_level(5, 6.0, 60, 20) == 0.0


def test_the_ideal_queue_converges_on_erlang_c() -> None:
    rng = random.Random(3)
    arrivals, t = [], 0.0
    while t < 400 * 3600:
        t += rng.expovariate(165 / 3600)
        arrivals.append(t)
    handles = [rng.expovariate(1 / 120) for _ in arrivals]
    ideal = ideal_fcfs(arrivals, handles, 10, 20)
    assert ideal.service_level == pytest.approx(erlang_c_service_level(10, 5.5, 120, 20), abs=0.005)
    assert ideal.asa_s == pytest.approx(erlang_c_asa(10, 5.5, 120), abs=0.3)


def test_no_wait_when_agents_outnumber_the_calls() -> None:
    assert ideal_fcfs([0, 1, 2], [100, 100, 100], 3, 0).service_level == 1.0
    with pytest.raises(ValueError):
        ideal_fcfs([0], [], 1, 20)


@pytest.mark.slow
def test_a_short_day_reports_its_figures_next_to_erlang_c() -> None:
    day = Day(hours=0.15, arrival_per_hour=150, handle_time_s=60, agents=3, speed=60, seed=5)
    mix = Mix(hours=0.05, arrival_per_hour=240, speed=60, seed=5)
    result = run(day, mix, progress=False, quiet=False)
    assert result["calls"] > 5 and result["answered"] == result["calls"]
    assert result["abandoned"] == 0 and result["abandon_rate"] == 0.0
    for key in ("service_level", "erlang_c_service_level", "ideal_service_level"):
        assert 0.0 <= result[key] <= 1.0, key
    assert result["asa_s"] >= 0.0
    assert result["arrival_per_hour"] == 150 and result["agents"] == 3 and result["threshold_s"] == 20.0
    assert result["erlang_c_service_level"] == pytest.approx(erlang_c_service_level(3, 2.5, 60, 20), abs=1e-4)
    mixed = result["multi_skill"]
    assert mixed["calls"] == mixed["all"]["answered"] + mixed["all"]["abandoned"]
    assert mixed["vip_private_line"]["threshold_s"] == 10.0
    assert mixed["vip_private_line"]["answered"] + mixed["normal"]["answered"] == mixed["all"]["answered"]
    assert mixed["vip_complaints_answered_by_level"]["junior"] == 0
