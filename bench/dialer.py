"""``hotline bench dialer``: progressive against predictive pacing on one simulated list.

The core's discrete-event simulation (:mod:`outbound.simulation`) dials the same 2,000 contacts
(same people behind the numbers: who answers, after how long, how long they talk) with 20 agents,
once per mode, using the dialer's own decisions (:func:`outbound.pacing.calls_to_start`, the
15 s re-tune, the 30-day abandon cap).  Figures per mode: occupancy, abandon rate, contacts per
agent-hour; and whether predictive met the target (abandon < 3 %, occupancy ≥ progressive + 10
points).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import asdict
from typing import Any

from bench.dialer_wired import WiredSettings, run_wired
from outbound.abandon import ABANDON_CAP
from outbound.pacing import PacingMode, ProgressivePacing
from outbound.predictive import PredictivePacing
from outbound.simulation import SimulationSettings, simulate

__all__ = ["run"]


def run(
    contacts: int = 2000,
    agents: int = 20,
    answer_rate: float = 0.35,
    seed: int = 1,
    wired: WiredSettings | None = None,
) -> dict[str, Any]:
    settings = SimulationSettings(contacts=contacts, agents=agents, answer_rate=answer_rate)
    out: dict[str, Any] = {}
    for name, pacing in ((PacingMode.PROGRESSIVE, None), (PacingMode.PREDICTIVE, PredictivePacing())):
        print(
            f"hotline bench dialer: {name.value}, {contacts} contacts, {agents} agents ...", file=sys.stderr
        )
        started = time.perf_counter()
        result = simulate(settings, pacing or ProgressivePacing(), seed)
        out[name.value] = {
            **result.figures(),
            "dialled": result.dialled,
            "live_answered": result.live_answered,
            "abandoned": result.abandoned,
            "connected": result.connected,
            "simulated_hours": round(result.duration_s / 3600, 3),
        }
        print(
            f"  occupancy {result.occupancy:.3f}, abandon {result.abandon_rate:.2%}, "
            f"{result.contacts_per_agent_hour:.1f} contacts/agent-hour"
            f" ({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
    gain = out["predictive"]["occupancy"] - out["progressive"]["occupancy"]
    out["settings"] = {**asdict(settings), "seed": seed}
    if wired is not None:
        print(
            f"hotline bench dialer: the wired dialer on hotline sim, {wired.contacts} contacts",
            file=sys.stderr,
        )
        out["wired"] = asyncio.run(run_wired(wired))
        # the model on the wired run's scale, for comparison
        small = SimulationSettings(
            contacts=wired.contacts, agents=wired.agents, answer_rate=wired.answer_rate,
            busy_rate=wired.busy_rate, failed_rate=wired.failed_rate, talk_mean_s=wired.talk_mean_s,
            talk_sd_s=wired.talk_sd_s, wrap_up_s=(wired.wrap_up_s, wired.wrap_up_s),
        )  # fmt: skip
        out["wired"]["model"] = {
            "progressive": simulate(small, ProgressivePacing(), wired.seed).figures(),
            "predictive": simulate(small, PredictivePacing(), wired.seed).figures(),
        }
    out["target"] = {
        "predictive_abandon_below_cap": out["predictive"]["abandon_rate"] < ABANDON_CAP,
        "occupancy_gain_points": round(gain * 100, 1),
        "met": out["predictive"]["abandon_rate"] < ABANDON_CAP and gain >= 0.10,
    }
    return out
