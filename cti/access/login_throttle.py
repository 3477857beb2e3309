"""Sign-in attempts, counted under several keys with a sliding one-minute window.

A sign-in first **reserves** its attempt under every key (:meth:`LoginThrottle.reserve`), before
anything is awaited: the attempt counts at once, so concurrent guesses cannot all pass a check
made before the first of them is counted (security finding 2: 300 concurrent guesses used to get
299 × 401 and one token).  A sign-in that succeeds gives its reservation back
(:meth:`LoginThrottle.release`); a failed one leaves it counted.  Once a key holds its limit of
attempts within a minute, further attempts under it are refused (HTTP 429, ``Retry-After``)
until the oldest is a minute old, whether or not the password would have been right.

Each key has its own limit (see :mod:`cti.access.auth`): the user at one client address (small),
the client address (larger: one address guessing many users), the user from anywhere (larger:
many addresses guessing one user).  No I/O; the clock is passed in.  Keys are bounded: at most
``max_keys`` are tracked, the stalest dropped first.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Protocol

__all__ = ["LoginThrottle", "Reservation", "SignInThrottle"]

WINDOW_S = 60.0


@dataclass(frozen=True, slots=True)
class Reservation:
    """An attempt counted under ``keys`` at ``at``; give it back with :meth:`LoginThrottle.release`."""

    keys: tuple[str, ...]
    at: float
    mark: str = ""  # the attempt's name where the counts are shared (cti.access.shared_throttle)


class SignInThrottle(Protocol):
    """Where sign-in attempts are counted: this node's memory (:class:`LoginThrottle`) or Redis,
    shared by every node (:class:`cti.access.shared_throttle.SharedLoginThrottle`)."""

    async def reserve(self, limits: dict[str, int], now: float) -> Reservation | float: ...

    async def release(self, reservation: Reservation) -> None: ...


class LoginThrottle:
    def __init__(self, *, window_s: float = WINDOW_S, max_keys: int = 100_000) -> None:
        self.window_s = window_s
        self.max_keys = max_keys
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, limits: dict[str, int], now: float) -> float | None:
        """Seconds until an attempt under all ``limits`` (key → attempts a minute) may be made."""
        wait = 0.0
        for key, limit in limits.items():
            times = self._recent(key, now)
            if times is not None and len(times) >= limit:
                wait = max(wait, times[-limit] + self.window_s - now)
        return wait if wait > 0 else None

    async def reserve(self, limits: dict[str, int], now: float) -> Reservation | float:
        """Count an attempt under every key, or (counting nothing) the seconds to wait.  Nothing
        here is awaited: the check and the count are one step for the event loop."""
        return self.reserve_now(limits, now)

    async def release(self, reservation: Reservation) -> None:
        self.release_now(reservation)

    def reserve_now(self, limits: dict[str, int], now: float) -> Reservation | float:
        wait = self.retry_after(limits, now)
        if wait is not None:
            return wait
        for key in limits:
            times = self._recent(key, now)
            if times is None:
                times = self._attempts[key] = deque()
            times.append(now)
            self._attempts.move_to_end(key)
            while len(times) > max(limits.values()):
                times.popleft()
        while len(self._attempts) > self.max_keys:
            self._attempts.popitem(last=False)
        return Reservation(tuple(limits), now)

    def release_now(self, reservation: Reservation) -> None:
        """The attempt succeeded: it no longer counts against its keys."""
        for key in reservation.keys:
            times = self._attempts.get(key)
            if times is None:
                continue
            try:
                times.remove(reservation.at)
            except ValueError:
                continue
            if not times:
                del self._attempts[key]

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._attempts.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._attempts[key]
            return None
        return times
