"""The wallboards' figures over shared state: every node that shares a store shows the same.

A node's own :class:`~acd.stats.LiveStats` hears only its own service's events; with several
nodes on one Redis each would count a different share of the calls.  :class:`SharedStats`
instead adds each event's counts to the store's tally (:meth:`~acd.store.AcdStore.add_tally`,
once per event: a retried step is recognised by its key) and computes a snapshot from what every
node reads alike — the store's agents, statuses and calls, and its tally — with the same
arithmetic as :class:`LiveStats`.  Two nodes asked at the same moment answer the same figures.

Events are heard synchronously (:meth:`SharedStats.apply`, an ACD listener) and written by
:meth:`SharedStats.run`, a task of the running ACD; :meth:`SharedStats.snapshot` first writes
what this node still holds, so a node always sees its own events.  A step that cannot be written
(the store unreachable) stays queued and is tried again; one held by a node that dies before
writing it is lost to the counters (the call itself is not: its state is in the store).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from datetime import tzinfo

import structlog

from acd.errors import StoreUnavailable
from acd.events import AcdEvent
from acd.stats import LiveStats, StatsSnapshot, TallyStep, local_day, tally_step
from acd.store import AcdStore, CallPhase

__all__ = ["SharedStats"]

log = structlog.get_logger(__name__)

RETRY_S = 0.5  # after the store was unreachable


class SharedStats:
    def __init__(
        self,
        store: AcdStore,
        threshold_s: float,
        wrapup_s: float,
        aht_samples: int = 50,
        *,
        tz: tzinfo | None = None,
    ) -> None:
        self._store = store
        self._tz = tz  # the centre's day: the counters are the day's (acd.stats)
        self.threshold_s = threshold_s
        self._wrapup_s = wrapup_s
        self._samples = aht_samples
        self._pending: deque[TallyStep] = deque()
        self._arrived = asyncio.Event()
        self._writing = asyncio.Lock()

    def apply(self, event: AcdEvent) -> None:
        """Queue the counts of one event of this node's service (an ACD listener)."""
        step = tally_step(event, self.threshold_s, self._wrapup_s, self._tz)
        if step is not None:
            self._pending.append(step)
            self._arrived.set()

    @property
    def pending(self) -> int:
        """Steps heard and not yet written."""
        return len(self._pending)

    async def flush(self) -> None:
        """Write every queued step now (raises :class:`StoreUnavailable`, keeping what is left)."""
        async with self._writing:
            while self._pending:
                await self._store.add_tally(self._pending[0], self._samples)
                self._pending.popleft()

    async def run(self) -> None:
        """Write steps as they come until cancelled."""
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            try:
                await self.flush()
            except StoreUnavailable as exc:
                log.warning("acd tally not written; retrying", error=str(exc), pending=len(self._pending))
                await asyncio.sleep(RETRY_S)
                self._arrived.set()

    async def snapshot(self, now: float) -> StatsSnapshot:
        """The figures every node sharing the store shows at ``now``."""
        with contextlib.suppress(StoreUnavailable):  # else without this node's latest steps
            await self.flush()
        agents = await self._store.agents()
        statuses = await self._store.statuses()
        calls = await self._store.calls()
        day = local_day(now, self._tz)
        tally = await self._store.tally(day)
        stats = LiveStats(self.threshold_s, self._wrapup_s, self._samples, tz=self._tz)
        stats.seed(agents, statuses)
        stats.seed_waiting(c.entry for c in calls if c.phase is not CallPhase.CONNECTED)
        stats.load_tally(tally, day)
        return stats.snapshot(now)
