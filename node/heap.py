"""The garbage collector of a long-running node.

A node holds a large, long-lived heap: the modules and models loaded at start-up (about 220,000
objects) and, on a busy floor, a hundred-odd objects for each open WebSocket (2,000 browsers:
another 250,000).  CPython's full collection walks all of them while the event loop waits: the
WebSocket bench (issue 17) measured pauses of 0.2-0.3 s of CPU, every few seconds, with the
young generation's default threshold (700 allocations) — the tail of the fan-out's latency.
:func:`settle_heap`, once the node has started, moves what start-up made out of the collector's
sight for good (:func:`gc.freeze`: it is never garbage) and lets the young generation grow to
``young`` objects before it is collected, so collections of the older generations, and their
pauses, come about thirty times less often.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "settle_heap"]

YOUNG_THRESHOLD = 20_000


def settle_heap(young: int = YOUNG_THRESHOLD) -> None:
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
