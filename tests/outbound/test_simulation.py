"""The dialer bench: 2,000 contacts, 20 agents, 35 % answered; progressive against predictive."""

from __future__ import annotations

import time

import pytest

from outbound.errors import ModelError
from outbound.pacing import ProgressivePacing
from outbound.predictive import PredictivePacing
from outbound.simulation import SimulationSettings, compare_modes, simulate

SETTINGS = SimulationSettings()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_predictive_beats_progressive_within_the_abandon_cap(seed: int) -> None:
    started = time.monotonic()
    figures = compare_modes(SETTINGS, seed)
    assert time.monotonic() - started < 5
    progressive, predictive = figures["progressive"], figures["predictive"]
    assert set(progressive) == set(predictive) == {"occupancy", "abandon_rate", "contacts_per_agent_hour"}
    assert progressive["abandon_rate"] == 0.0
    assert predictive["abandon_rate"] < 0.03
    assert predictive["occupancy"] >= progressive["occupancy"] + 0.10
    assert predictive["contacts_per_agent_hour"] > progressive["contacts_per_agent_hour"]


def test_both_modes_dial_the_same_people() -> None:
    progressive = simulate(SETTINGS, ProgressivePacing(), 7)
    predictive = simulate(SETTINGS, PredictivePacing(), 7)
    assert progressive.dialled == predictive.dialled == 2000
    assert progressive.live_answered == predictive.live_answered  # each contact dialled once, same answers
    assert progressive.connected == progressive.live_answered
    assert predictive.connected + predictive.abandoned == predictive.live_answered
    assert 0.30 < predictive.live_answered / 2000 < 0.40


def test_figures_follow_their_definitions() -> None:
    result = simulate(SETTINGS, PredictivePacing(), 2)
    agent_hours = SETTINGS.agents * result.duration_s / 3600
    assert result.contacts_per_agent_hour == pytest.approx(result.connected / agent_hours)
    assert result.abandon_rate == pytest.approx(result.abandoned / result.live_answered)
    assert 0 < result.occupancy < 1


def test_the_same_seed_gives_the_same_run() -> None:
    assert simulate(SETTINGS, PredictivePacing(), 5) == simulate(SETTINGS, PredictivePacing(), 5)
    assert simulate(SETTINGS, PredictivePacing(), 5) != simulate(SETTINGS, PredictivePacing(), 6)


def test_a_tighter_target_abandons_less() -> None:
    strict = simulate(SETTINGS, PredictivePacing(target_abandon_rate=0.005), 1)
    default = simulate(SETTINGS, PredictivePacing(), 1)
    assert strict.abandoned < default.abandoned
    assert strict.occupancy < default.occupancy


@pytest.mark.parametrize(
    "kwargs",
    [
        {"contacts": 0},
        {"agents": 0},
        {"answer_rate": 0.0},
        {"answer_rate": 0.9, "busy_rate": 0.1, "failed_rate": 0.1},
        {"ring_s": 14.0, "answer_delay_s": (3.0, 10.0, 5.0)},
        {"answer_delay_s": (3.0, 30.0, 7.0)},
    ],
)
def test_bad_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(ModelError):
        SimulationSettings(**kwargs)  # type: ignore[arg-type]
