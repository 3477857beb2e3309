"""Leaving an unreachable Redis alone for a while: the shared access state's circuit breaker.

Revocations (:mod:`cti.access.revocations`) and the sign-in throttle
(:mod:`cti.access.shared_throttle`) go on without Redis when it cannot be reached; after a
failure they do not ask it again for ``OUTAGE_PAUSE_S``, so requests and sign-ins do not each
wait for its time-out during an outage.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["OUTAGE_PAUSE_S", "RedisPause"]

OUTAGE_PAUSE_S = 5.0


class RedisPause:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._until = 0.0

    @property
    def away(self) -> bool:
        """Redis failed lately: do without it for now."""
        return self._monotonic() < self._until

    def failed(self) -> None:
        """Redis could not be reached: leave it alone for ``OUTAGE_PAUSE_S``."""
        self._until = self._monotonic() + OUTAGE_PAUSE_S
