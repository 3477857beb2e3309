"""Where the soak's memory went, by the lines that allocated it (``hotline bench soak --trace-memory``).

:class:`NodeHeld` names the node's containers that grew; what it cannot see (memory held outside
the node's object graph: module-level caches, a library's own tables, the driver's buffers) shows
up here.  :class:`TracedGrowth` starts :mod:`tracemalloc` when the traffic is warm and compares a
snapshot after the drain with the one taken then: the allocation sites whose blocks are still
alive and grew, most first, each named by its innermost frames.  Tracing slows the process down
(about 2x on allocation-heavy code) and adds its own memory to the RSS, so the soak's lag and
memory figures of a traced run are not comparable with an untraced one.
"""

from __future__ import annotations

import tracemalloc

__all__ = ["TracedGrowth"]

FRAMES = 6


class TracedGrowth:
    def __init__(self) -> None:
        self._before: tracemalloc.Snapshot | None = None

    def start(self) -> None:
        tracemalloc.start(FRAMES)
        self._before = self._snapshot()

    @property
    def started(self) -> bool:
        return self._before is not None

    def report(self, top: int = 15) -> list[str]:
        """The allocation sites that grew since :meth:`start`, most first, each as its frames from
        the allocating line outwards (tracing stops)."""
        if self._before is None:
            return []
        after, before = self._snapshot(), self._before
        tracemalloc.stop()
        self._before = None
        grown = [s for s in after.compare_to(before, "traceback") if s.size_diff > 0]
        return [
            f"{s.size_diff / 1024:+,.0f} KiB in {s.count_diff:+,} blocks: "
            + " <- ".join(
                f"{f.filename.rsplit('site-packages/', 1)[-1]}:{f.lineno}" for f in reversed(s.traceback)
            )
            for s in grown[:top]
        ]

    @staticmethod
    def _snapshot() -> tracemalloc.Snapshot:
        return tracemalloc.take_snapshot().filter_traces(
            [
                tracemalloc.Filter(False, tracemalloc.__file__),
                tracemalloc.Filter(False, "<frozen importlib._bootstrap*"),
            ]
        )
