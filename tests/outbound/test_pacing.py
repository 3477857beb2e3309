from __future__ import annotations

import pytest

from outbound.errors import ModelError
from outbound.pacing import (
    MIN_RING_S,
    AutomatedPacing,
    DialerSnapshot,
    PacingMode,
    ProgressivePacing,
    automated_calls,
    calls_to_start,
    originate_timeout_ms,
    pacing_mode,
    progressive_calls,
)
from outbound.predictive import DialLevel, PredictivePacing, TrafficStats


def snap(**fields: object) -> DialerSnapshot:
    values: dict[str, object] = {"contacts_due": 100, "campaign_calls": 0, "in_flight": 0, "node_calls": 0}
    values.update(fields)
    return DialerSnapshot(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("campaign_calls", "due", "expected"),
    [(0, 100, 10), (7, 100, 3), (10, 100, 0), (12, 100, 0), (0, 4, 4)],
)
def test_automated_up_to_n_per_campaign(campaign_calls: int, due: int, expected: int) -> None:
    snapshot = snap(campaign_calls=campaign_calls, contacts_due=due)
    assert automated_calls(AutomatedPacing(10), snapshot) == expected


@pytest.mark.parametrize(
    ("free", "in_flight", "due", "expected"),
    [(5, 0, 100, 5), (5, 2, 100, 3), (2, 3, 100, 0), (5, 0, 1, 1), (0, 0, 100, 0)],
)
def test_progressive_one_call_per_free_agent(free: int, in_flight: int, due: int, expected: int) -> None:
    snapshot = snap(free_agents=free, in_flight=in_flight, campaign_calls=in_flight, contacts_due=due)
    assert progressive_calls(snapshot) == expected


def test_the_node_channel_cap_applies_to_every_mode() -> None:
    snapshot = snap(free_agents=8, node_calls=47)
    assert calls_to_start(ProgressivePacing(), snapshot, channel_cap=50) == 3
    assert calls_to_start(AutomatedPacing(30), snapshot, channel_cap=50) == 3
    assert calls_to_start(AutomatedPacing(30), snap(node_calls=55), channel_cap=50) == 0
    stats = TrafficStats(100, 35, 8.0, 0.2)
    predictive = calls_to_start(
        PredictivePacing(), snapshot, channel_cap=50, level=DialLevel(2.0), stats=stats
    )
    assert predictive == 3


def test_predictive_needs_its_state() -> None:
    with pytest.raises(ModelError, match="dial level"):
        calls_to_start(PredictivePacing(), snap(), channel_cap=50)


def test_ring_at_least_fifteen_seconds() -> None:
    assert MIN_RING_S == 15
    assert originate_timeout_ms(15) == 15000
    assert originate_timeout_ms(25.5) == 25500
    with pytest.raises(ModelError, match="at least 15 s"):
        originate_timeout_ms(14.9)


def test_modes() -> None:
    assert pacing_mode(AutomatedPacing(1)) is PacingMode.AUTOMATED
    assert pacing_mode(ProgressivePacing()) is PacingMode.PROGRESSIVE
    assert pacing_mode(PredictivePacing()) is PacingMode.PREDICTIVE
    with pytest.raises(ModelError):
        AutomatedPacing(0)


@pytest.mark.parametrize(
    "fields",
    [{"contacts_due": -1}, {"free_agents": -1}, {"in_flight": 2, "campaign_calls": 1}],
)
def test_bad_snapshots(fields: dict[str, object]) -> None:
    with pytest.raises(ModelError):
        snap(**fields)
