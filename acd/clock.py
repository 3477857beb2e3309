"""Time for the ACD, injectable so that tests move it by hand instead of sleeping.

The service reads the time only through a :class:`Clock`.  Timers (ring timeouts, wrap-up,
overflow steps) are deadlines kept in the store and acted on by ``AcdService.tick()``; a test
advances a :class:`ManualClock` and calls ``tick()``.  Wall-clock seconds (not a monotonic clock)
because deadlines are shared between CTI nodes through Redis.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += seconds
        return self._now
