"""Scores and disputes summed up per agent, team or prefecture, and for the province (报表).

Each :class:`ScoreStatus` counts once, by its *effective* score (the revised one after a revised
dispute).  ``mean`` is the exact mean of the totals rounded half-up to one decimal; ``None`` when
there are no scores.  Dispute counts: ``disputed`` counts every score ever disputed, of which
``pending`` are still waiting, ``upheld`` kept and ``revised`` changed.  The caller picks the scores
of the period (by ``scored_at``) before rolling them up.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from qa.disputes import DisputeState, ScoreStatus

__all__ = ["PROVINCE_KEY", "Level", "Rollup", "province_rollup", "roll_up"]

PROVINCE_KEY = "province"
_ONE_DECIMAL = Decimal("0.1")


class Level(enum.StrEnum):
    AGENT = "agent"
    TEAM = "team"
    PREFECTURE = "prefecture"


@dataclass(frozen=True, slots=True)
class Rollup:
    key: str  # the agent, team or prefecture; ``province`` for the whole
    scores: int
    mean: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None
    critical_failures: int  # scores zeroed by a red line
    disputed: int
    pending: int
    upheld: int
    revised: int


def roll_up(statuses: Iterable[ScoreStatus], level: Level) -> tuple[Rollup, ...]:
    """One :class:`Rollup` per agent, team or prefecture that has scores, sorted by key."""
    groups: defaultdict[str, list[ScoreStatus]] = defaultdict(list)
    for status in statuses:
        call = status.effective.call
        key = {Level.AGENT: call.agent_id, Level.TEAM: call.team, Level.PREFECTURE: call.prefecture}[level]
        groups[key].append(status)
    return tuple(_rollup(key, groups[key]) for key in sorted(groups))


def province_rollup(statuses: Iterable[ScoreStatus]) -> Rollup:
    """Everything together, for the provincial centre."""
    return _rollup(PROVINCE_KEY, list(statuses))


def _rollup(key: str, statuses: list[ScoreStatus]) -> Rollup:
    totals = [s.effective.result.total for s in statuses]
    states = [s.state for s in statuses]
    mean = (sum(totals, Decimal(0)) / len(totals)).quantize(_ONE_DECIMAL, ROUND_HALF_UP) if totals else None
    return Rollup(
        key=key,
        scores=len(statuses),
        mean=mean,
        lowest=min(totals, default=None),
        highest=max(totals, default=None),
        critical_failures=sum(1 for s in statuses if s.effective.result.zeroed),
        disputed=sum(1 for s in statuses if s.dispute is not None),
        pending=states.count(DisputeState.DISPUTED),
        upheld=states.count(DisputeState.UPHELD),
        revised=states.count(DisputeState.REVISED),
    )
