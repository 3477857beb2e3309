"""Simulated time: real time, optionally running ``speed`` times faster.

Everything in the simulator that waits (media, ``Wait()``, ring times, handle times) sleeps
through one :class:`SimClock`; every timestamp it reports (Uniqueids, Cdr times, ``Ping``)
comes from the same clock, so a run at ``speed=10`` reports the same durations as one in
real time.
"""

from __future__ import annotations

import asyncio
import time


class SimClock:
    def __init__(self, speed: float = 1.0, *, epoch: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._epoch0 = time.time() if epoch is None else epoch
        self._mono0 = time.monotonic()

    def elapsed(self) -> float:
        """Simulated seconds since the clock started."""
        return (time.monotonic() - self._mono0) * self.speed

    def now(self) -> float:
        """Simulated wall-clock time (seconds since the Unix epoch)."""
        return self._epoch0 + self.elapsed()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds / self.speed)
        else:
            await asyncio.sleep(0)

    def real_seconds(self, simulated: float) -> float:
        return simulated / self.speed
