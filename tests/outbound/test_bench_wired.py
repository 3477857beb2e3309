"""``hotline bench dialer --wired``: the real dialer, ACD and ``outbound-connect`` on ``hotline sim``
with simulated customers and agents, both modes on the same customers.  A small run: every contact
is dialled exactly once, progressive never abandons, and the figures are the model's kind."""

from __future__ import annotations

import pytest

from bench.dialer_wired import WiredSettings, run_wired

pytestmark = pytest.mark.slow


async def test_the_wired_dialer_on_the_simulator() -> None:
    figures = await run_wired(WiredSettings(contacts=16, agents=2, speed=20.0, seed=3))
    for mode in ("progressive", "predictive"):
        f = figures[mode]
        assert f["dialled"] == 16  # once each
        assert f["live_answered"] == f["connected"] + f["abandoned"]
        assert 0.0 < f["occupancy"] <= 1.0 and f["contacts_per_agent_hour"] > 0
    assert figures["progressive"]["abandon_rate"] == 0.0
    # the same people answer in both runs
    assert figures["progressive"]["live_answered"] == figures["predictive"]["live_answered"]
