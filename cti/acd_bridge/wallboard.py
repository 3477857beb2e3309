"""Live ACD figures for the wallboard and the supervisor pages (what ``cti/api`` serves).

:class:`Wallboard` wraps the service's :class:`acd.shared_stats.SharedStats`: :meth:`Wallboard.snapshot`
now (per skill, per prefecture, total: calls waiting and the longest wait, agents by state,
answered, abandoned, service level, ASA, abandonment rate, AHT, EWT, escalations), as a frozen
value or as JSON-ready data (:func:`snapshot_data`), and :meth:`Wallboard.updates`, an async
iterator of snapshots for a WebSocket: one at once, then one after each burst of ACD events (at
most every ``min_interval_s``) and at least every ``max_interval_s`` (waits keep growing when
nothing happens).

The figures are the cluster's: computed from the store's agents, calls and tally, so every
node sharing a Redis shows the same (the counters run since the store's tally began).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from acd.clock import Clock
from acd.service import AcdService
from acd.stats import GroupStats, StatsSnapshot

__all__ = ["Wallboard", "snapshot_data"]


class Wallboard:
    def __init__(self, service: AcdService, clock: Clock) -> None:
        self._service = service
        self._clock = clock

    async def snapshot(self) -> StatsSnapshot:
        return await self._service.board.snapshot(self._clock.now())

    async def data(self) -> dict[str, Any]:
        return snapshot_data(await self.snapshot())

    async def updates(
        self, *, min_interval_s: float = 1.0, max_interval_s: float = 5.0
    ) -> AsyncIterator[StatsSnapshot]:
        """Snapshots as things change (see the module docstring); stop iterating to unsubscribe."""
        changed = asyncio.Event()
        unsubscribe = self._service.stats.subscribe(lambda _event: changed.set())
        try:
            while True:
                changed.clear()
                yield await self.snapshot()
                await asyncio.sleep(min_interval_s)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, max_interval_s - min_interval_s)):
                        await changed.wait()
        finally:
            unsubscribe()


def snapshot_data(snapshot: StatsSnapshot) -> dict[str, Any]:
    """A snapshot as plain JSON data (rates 0..1, times in seconds, ``None`` when not known yet)."""
    return {
        "at": snapshot.at,
        "threshold_s": snapshot.threshold_s,
        "total": _group(snapshot.total),
        "by_skill": {name: _group(g) for name, g in snapshot.by_skill.items()},
        "by_prefecture": {name: _group(g) for name, g in snapshot.by_prefecture.items()},
    }


def _group(g: GroupStats) -> dict[str, Any]:
    return {
        "waiting": g.waiting,
        "longest_wait_s": round(g.longest_wait_s, 1),
        "agents": dict(g.agents),
        "answered": g.answered,
        "answered_within_threshold": g.answered_within_threshold,
        "abandoned": g.abandoned,
        "escalations": g.escalations,
        "service_level": g.service_level,
        "asa_s": g.asa_s,
        "abandonment_rate": g.abandonment_rate,
        "aht_s": g.aht_s,
        "ewt_s": g.ewt_s,
    }
