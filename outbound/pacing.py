"""How many new calls the dialer starts now, per pacing mode, and the rules every mode obeys.

* **automated** (no agent; the script talks): up to ``max_calls`` concurrent channels for the
  campaign, within the node's channel cap;
* **progressive**: one call per free agent of the campaign's skill, minus the campaign's calls in
  flight (ringing, or answered and waiting for an agent) — an agent is never left with two
  answered callers, so progressive never abandons;
* **predictive**: dials ahead, see :mod:`outbound.predictive`.

Every mode: the result never exceeds the contacts due nor the node's channel cap
(``channel_cap − node_calls``); a campaign that is not running dials nothing (checked by the
caller through :attr:`outbound.campaign.Campaign.dials`).  Each call rings at least
:data:`MIN_RING_S` (15 s) before the dialer gives up (:func:`originate_timeout_ms`); an answered
call with no agent within 2 s hears the recorded message and counts as abandoned
(:mod:`outbound.abandon`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from outbound.errors import ModelError
from outbound.predictive import (
    DialLevel,
    PredictivePacing,
    PredictiveSnapshot,
    TrafficStats,
    predictive_calls,
)

__all__ = [
    "MIN_RING_S",
    "AutomatedPacing",
    "DialerSnapshot",
    "Pacing",
    "PacingMode",
    "ProgressivePacing",
    "automated_calls",
    "calls_to_start",
    "originate_timeout_ms",
    "pacing_mode",
    "progressive_calls",
]

MIN_RING_S = 15.0


class PacingMode(enum.StrEnum):
    AUTOMATED = "automated"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


@dataclass(frozen=True, slots=True)
class AutomatedPacing:
    max_calls: int  # concurrent channels of this campaign

    def __post_init__(self) -> None:
        if self.max_calls < 1:
            raise ModelError("an automated campaign needs at least one concurrent call")


@dataclass(frozen=True, slots=True)
class ProgressivePacing:
    """One call per free agent; nothing to set."""


Pacing = AutomatedPacing | ProgressivePacing | PredictivePacing


def pacing_mode(pacing: Pacing) -> PacingMode:
    if isinstance(pacing, AutomatedPacing):
        return PacingMode.AUTOMATED
    if isinstance(pacing, ProgressivePacing):
        return PacingMode.PROGRESSIVE
    return PacingMode.PREDICTIVE


def originate_timeout_ms(ring_s: float) -> int:
    """The Originate ``Timeout`` for ringing ``ring_s`` seconds; refuses less than 15 s."""
    if ring_s < MIN_RING_S:
        raise ModelError(
            f"a call must ring at least {MIN_RING_S:g} s before the dialer gives up, not {ring_s:g} s"
        )
    return round(ring_s * 1000)


@dataclass(frozen=True, slots=True)
class DialerSnapshot:
    """What the dialer sees of one campaign and of the node, at one instant."""

    contacts_due: int  # contacts the campaign may dial now (eligible, claimed or claimable)
    campaign_calls: int  # the campaign's live channels: ringing, answered, in the script
    in_flight: int  # the campaign's calls ringing, or answered and waiting for an agent
    node_calls: int  # every outbound channel of the node
    free_agents: int = 0  # agents of the campaign's skill free for outbound now
    # agents of the skill in wrap-up: seconds until their wrap-up deadline (they may be ready sooner)
    wrap_up_remaining_s: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        counts = (self.contacts_due, self.campaign_calls, self.in_flight, self.node_calls, self.free_agents)
        if min(counts) < 0:
            raise ModelError("counts in a dialer snapshot cannot be negative")
        if self.in_flight > self.campaign_calls:
            raise ModelError("more calls in flight than the campaign has calls")


def automated_calls(pacing: AutomatedPacing, snapshot: DialerSnapshot) -> int:
    return max(0, min(pacing.max_calls - snapshot.campaign_calls, snapshot.contacts_due))


def progressive_calls(snapshot: DialerSnapshot) -> int:
    return max(0, min(snapshot.free_agents - snapshot.in_flight, snapshot.contacts_due))


def calls_to_start(
    pacing: Pacing,
    snapshot: DialerSnapshot,
    *,
    channel_cap: int,
    level: DialLevel | None = None,
    stats: TrafficStats | None = None,
    abandon_rate_30d: float = 0.0,
) -> int:
    """The number of calls to start now; predictive needs ``level`` and ``stats``."""
    if isinstance(pacing, AutomatedPacing):
        wanted = automated_calls(pacing, snapshot)
    elif isinstance(pacing, ProgressivePacing):
        wanted = progressive_calls(snapshot)
    else:
        if level is None or stats is None:
            raise ModelError("predictive pacing needs the dial level and the recent traffic")
        view = PredictiveSnapshot(
            snapshot.free_agents, snapshot.wrap_up_remaining_s, snapshot.in_flight, snapshot.contacts_due
        )
        wanted = predictive_calls(pacing, level, view, stats, abandon_rate_30d)
    return max(0, min(wanted, channel_cap - snapshot.node_calls))
