"""Predictive pacing: dial ahead of free agents, tuned by the measured answer rate and abandons.

The decision (:func:`predictive_calls`), each time the dialer looks:

* **available agents** = free agents + agents whose wrap-up deadline (the ACD's, see
  ``acd.agent_state``) falls within the mean answer delay, i.e. who will be free before a call
  dialled now is answered;
* **lines wanted** = dial level × available agents; **calls to start** = lines wanted − calls in
  flight (ringing, or answered and waiting for an agent), never below 0.

The **dial level** (:class:`DialLevel`, lines per available agent) is re-tuned every
``retune_every_s`` (15 s, like VICIdial's adaptive modes) by :func:`retune`:

* each call abandoned since the previous re-tune lowers it by ``step_down`` (10 %);
* otherwise, when agents waited (idle share above ``idle_goal``) and the campaign's 30-day abandon
  rate is at or below the target, it rises by ``step_up`` (5 %);
* it stays within ``[1, min(max_dial_level, 1 / answer rate)]``: more than one expected answer per
  available agent only abandons.

The controller works on *new* abandons, so one bad minute lowers the level once, not again at
every re-tune while it stays in a sliding window; the rise is gated by the 30-day rate, which is
what the cap is about, so that rate settles at about the target.

Talk time is deliberately not predicted: on the bench (:mod:`outbound.simulation`), counting busy
agents as "soon free" from their time on the call against the mean handle time gave several
times the abandons at equal occupancy, because talk times spread too widely; an estimate from the
empirical handle-time distribution did no better than free agents alone.  Wrap-up deadlines are
known, so those agents count.

**The 30-day cap** (:mod:`outbound.abandon`): with the campaign's abandon rate over 30 days
``r``, the target ``t`` and the cap ``c``, a factor ``f = (c − r) / (c − t)`` clipped to
``[0, 1]`` blends predictive into progressive: the effective level is ``1 + f·(level − 1)`` and
only ``f`` of the soon-free agents count.  At ``r ≤ t`` the dialer is fully predictive; as ``r``
nears the cap it dials ahead less and less; at ``r ≥ c`` it is exactly progressive (one call per
free agent minus calls in flight), which does not abandon, so the rate can only fall back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from outbound.abandon import ABANDON_CAP, DayCount
from outbound.errors import ModelError

__all__ = [
    "DialLevel",
    "PredictivePacing",
    "PredictiveSnapshot",
    "TrafficStats",
    "cap_factor",
    "predictive_calls",
    "retune",
]


@dataclass(frozen=True, slots=True)
class PredictivePacing:
    target_abandon_rate: float = 0.015
    abandon_cap: float = ABANDON_CAP
    initial_dial_level: float = 1.0
    max_dial_level: float = 4.0
    retune_every_s: float = 15.0
    step_up: float = 0.05  # relative rise when agents wait
    step_down: float = 0.1  # relative fall per call abandoned since the previous re-tune
    idle_goal: float = 0.05  # agents' idle share above which the level rises

    def __post_init__(self) -> None:
        if not 0 < self.target_abandon_rate < self.abandon_cap <= ABANDON_CAP:
            raise ModelError(
                f"need 0 < target abandon rate < cap ≤ {ABANDON_CAP}: "
                f"{self.target_abandon_rate} and {self.abandon_cap}"
            )
        if not 1 <= self.initial_dial_level <= self.max_dial_level:
            raise ModelError("need 1 ≤ initial dial level ≤ max dial level")
        if min(self.retune_every_s, self.step_up, self.step_down) <= 0 or self.step_down >= 1:
            raise ModelError("re-tune interval and steps must be positive (step down below 1)")


@dataclass(frozen=True, slots=True)
class DialLevel:
    """Lines dialled per available agent, and when it was last tuned (seconds, dialer clock)."""

    level: float
    tuned_at: float | None = None
    seen: DayCount = field(default_factory=DayCount)  # the 30-day counts at the last re-tune

    @classmethod
    def initial(cls, pacing: PredictivePacing) -> DialLevel:
        return cls(pacing.initial_dial_level)


@dataclass(frozen=True, slots=True)
class TrafficStats:
    """The campaign's recent traffic, measured by the dialer over a sliding window (e.g. 10 min)."""

    attempts_ended: int  # attempts whose outcome is known
    live_answered: int
    mean_answer_delay_s: float  # from dialling to the answer, answered calls
    agent_idle_share: float  # time agents spent free ÷ their logged-in time

    def __post_init__(self) -> None:
        if not 0 <= self.live_answered <= self.attempts_ended:
            raise ModelError("need 0 ≤ live-answered ≤ attempts ended")
        if self.mean_answer_delay_s < 0 or not 0 <= self.agent_idle_share <= 1:
            raise ModelError("the answer delay must be ≥ 0 and the idle share within [0, 1]")

    @property
    def answer_rate(self) -> float | None:
        return self.live_answered / self.attempts_ended if self.attempts_ended else None


@dataclass(frozen=True, slots=True)
class PredictiveSnapshot:
    free_agents: int
    wrap_up_remaining_s: tuple[float, ...]  # per agent in wrap-up: seconds to its wrap-up deadline
    in_flight: int  # ringing, or answered and waiting for an agent
    contacts_due: int

    def __post_init__(self) -> None:
        if min(self.free_agents, self.in_flight, self.contacts_due) < 0:
            raise ModelError("counts in a dialer snapshot cannot be negative")


def retune(
    level: DialLevel, pacing: PredictivePacing, stats: TrafficStats, now: float, window: DayCount
) -> DialLevel:
    """The dial level after the periodic re-tune at ``now``; unchanged between re-tunes.

    ``window`` is the campaign's 30-day count (:meth:`outbound.abandon.AbandonLedger.window`).
    """
    if level.tuned_at is not None and now - level.tuned_at < pacing.retune_every_s:
        return level
    value = level.level
    new_abandoned = max(0, window.abandoned - level.seen.abandoned)
    rate = window.abandoned / window.live_answered if window.live_answered else 0.0
    if new_abandoned:
        value *= (1 - pacing.step_down) ** new_abandoned
    elif rate <= pacing.target_abandon_rate and stats.agent_idle_share > pacing.idle_goal:
        value *= 1 + pacing.step_up
    ceiling = pacing.max_dial_level
    if stats.answer_rate:
        ceiling = min(ceiling, 1 / stats.answer_rate)
    return DialLevel(min(max(value, 1.0), max(ceiling, 1.0)), tuned_at=now, seen=window)


def cap_factor(pacing: PredictivePacing, abandon_rate_30d: float) -> float:
    """How predictive the dialer may be given the 30-day abandon rate: 1 fully, 0 progressive."""
    span = pacing.abandon_cap - pacing.target_abandon_rate
    return min(1.0, max(0.0, (pacing.abandon_cap - abandon_rate_30d) / span))


def predictive_calls(
    pacing: PredictivePacing,
    level: DialLevel,
    snapshot: PredictiveSnapshot,
    stats: TrafficStats,
    abandon_rate_30d: float,
) -> int:
    """How many new calls to start now (before the channel caps, which the caller applies)."""
    f = cap_factor(pacing, abandon_rate_30d)
    soon_free = sum(1 for r in snapshot.wrap_up_remaining_s if r <= stats.mean_answer_delay_s)
    available = snapshot.free_agents + f * soon_free
    effective = 1 + f * (level.level - 1)
    wanted = math.floor(effective * available + 1e-9) - snapshot.in_flight
    return max(0, min(wanted, snapshot.contacts_due))
