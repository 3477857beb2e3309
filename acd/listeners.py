"""Who hears the ACD's events: listeners called in order, right after each change is stored.

A listener is a plain function (:class:`acd.stats.LiveStats.apply`, the wallboard push, the
desk's feed).  One that raises is logged and skipped; it never undoes or interrupts the change
it reports, nor keeps the others from hearing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import structlog

from acd.events import AcdEvent

__all__ = ["Listener", "Listeners"]

log = structlog.get_logger(__name__)

Listener = Callable[[AcdEvent], None]


class Listeners:
    def __init__(self, listeners: Iterable[Listener] = ()) -> None:
        self._listeners: list[Listener] = list(listeners)

    def add(self, listener: Listener) -> Callable[[], None]:
        """Hear every later event; returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, event: AcdEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("acd event listener failed", acd_event=type(event).__name__)
