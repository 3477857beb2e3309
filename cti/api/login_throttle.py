"""Failed sign-ins, counted per username and per client address, with a sliding one-minute window.

After ``limit`` failures within a minute under one key, further attempts under that key are
refused (HTTP 429, ``Retry-After``) until the oldest failure is a minute old, whether or not the
password would have been right; so guessing one user's password from many addresses, or many
users' passwords from one address, is slowed to ``limit`` tries a minute.  No I/O; the clock is
passed in.  Keys are bounded: at most ``max_keys`` are tracked, the stalest dropped first.
"""

from __future__ import annotations

from collections import OrderedDict, deque

__all__ = ["LoginThrottle"]

WINDOW_S = 60.0


class LoginThrottle:
    def __init__(self, limit: int, *, window_s: float = WINDOW_S, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, keys: tuple[str, ...], now: float) -> float | None:
        """Seconds until a sign-in under all ``keys`` may be tried again, or None if it may now."""
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if times is not None and len(times) >= self.limit:
                wait = max(wait, times[0] + self.window_s - now)
        return wait if wait > 0 else None

    def failed(self, keys: tuple[str, ...], now: float) -> None:
        for key in keys:
            times = self._recent(key, now)
            if times is None:
                times = self._failures[key] = deque()
            times.append(now)
            self._failures.move_to_end(key)
            while len(times) > self.limit:
                times.popleft()
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times
