"""Abandoned calls: what counts as one, and the 30-day cap a campaign must stay under.

An answered call is **abandoned** when no agent is connected within
:data:`CONNECT_WITHIN_S` (2 s) of the answer; the dialer must then play a recorded message
(who called and why) within those 2 s and hang up.  The **abandon rate** of a campaign is its
abandoned calls ÷ its live-answered calls (answered by a person, answering machines excluded),
over the last :data:`WINDOW_DAYS` (30) local days including today; it must stay at or below
:data:`ABANDON_CAP` (3 %).  These are the US FTC Telemarketing Sales Rule's safe-harbour figures,
which the issue adopts; no comparable Chinese rule sets a number.

Only agent-assisted pacing (progressive, predictive) can abandon: an automated campaign's script
answers every call itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from outbound.errors import ModelError

__all__ = [
    "ABANDON_CAP",
    "CONNECT_WITHIN_S",
    "WINDOW_DAYS",
    "AbandonLedger",
    "DayCount",
    "is_abandoned",
]

ABANDON_CAP = 0.03
CONNECT_WITHIN_S = 2.0
WINDOW_DAYS = 30


def is_abandoned(answered_at: float, agent_connected_at: float | None) -> bool:
    """Whether an answered call is abandoned (times in seconds on one clock)."""
    if agent_connected_at is None:
        return True
    if agent_connected_at < answered_at:
        raise ModelError("an agent cannot be connected before the call is answered")
    return agent_connected_at - answered_at > CONNECT_WITHIN_S


@dataclass(frozen=True, slots=True)
class DayCount:
    live_answered: int = 0
    abandoned: int = 0

    def __post_init__(self) -> None:
        if self.live_answered < 0 or self.abandoned < 0:
            raise ModelError("call counts cannot be negative")
        if self.abandoned > self.live_answered:
            raise ModelError("more abandoned calls than live-answered calls")

    def __add__(self, other: DayCount) -> DayCount:
        return DayCount(self.live_answered + other.live_answered, self.abandoned + other.abandoned)


@dataclass(frozen=True, slots=True)
class AbandonLedger:
    """A campaign's live-answered and abandoned counts per local day."""

    days: Mapping[date, DayCount] = field(default_factory=lambda: MappingProxyType({}))

    def record(self, day: date, *, abandoned: bool) -> AbandonLedger:
        """The ledger with one more live-answered call on ``day``, abandoned or not."""
        counts = dict(self.days)
        counts[day] = counts.get(day, DayCount()) + DayCount(1, int(abandoned))
        return AbandonLedger(MappingProxyType(counts))

    def window(self, today: date) -> DayCount:
        """The totals over the :data:`WINDOW_DAYS` days ending with ``today``."""
        first = today - timedelta(days=WINDOW_DAYS - 1)
        total = DayCount()
        for day, count in self.days.items():
            if first <= day <= today:
                total += count
        return total

    def rate(self, today: date) -> float:
        """Abandoned ÷ live-answered over the window; 0.0 before any live answer."""
        total = self.window(today)
        return total.abandoned / total.live_answered if total.live_answered else 0.0

    def pruned(self, today: date) -> AbandonLedger:
        """The ledger without the days that left the window (what storage keeps)."""
        first = today - timedelta(days=WINDOW_DAYS - 1)
        return AbandonLedger(MappingProxyType({d: c for d, c in self.days.items() if d >= first}))
