"""The heap of a long-running node: the garbage collector's pauses and the C allocator's free pages.

A node holds a large, long-lived heap: the modules and models loaded at start-up (about 220,000
objects) and, on a busy floor, a hundred-odd objects for each open WebSocket (2,000 browsers:
another 250,000).  CPython's full collection walks all of them while the event loop waits: the
WebSocket bench (issue 17) measured pauses of 0.2-0.3 s of CPU, every few seconds, with the
young generation's default threshold (700 allocations) — the tail of the fan-out's latency.
:func:`settle_heap`, once the node has started, moves what start-up made out of the collector's
sight for good (:func:`gc.freeze`: it is never garbage) and lets the young generation grow to
``young`` objects before it is collected, so collections of the older generations, and their
pauses, come about thirty times less often.

The memory a call's objects used is freed when the call ends, but glibc's allocator keeps the
freed pages of its heaps (and of the arenas of the threads that hash PINs or run SQLite) for
later, scattered between live blocks, instead of giving them back: a node taking 120 calls a
minute grew by about 9 MB of RSS per 10 minutes that way while the objects it held did not grow
(``hotline bench soak``, issue 16).  :func:`trim_heap_forever` asks glibc to give free pages back
(``malloc_trim(0)``, as Dask's workers do) every ``[heap] trim_every_s``, in a thread so that the
event loop does not wait for it; where the C library has no ``malloc_trim`` (musl, macOS) nothing
is done.

Trimming gives back whole free pages, not the partly used ones, and glibc keeps a heap per thread
that allocates (up to eight arenas per core): the threads of a node (PIN hashing, SQLite, the
event loop's executor) each fragment their own. Holding 500 calls for 30 minutes, the RSS still
climbed 2.9 MB per 10 minutes while Python's objects did not; with two arenas (glibc's
``MALLOC_ARENA_MAX=2``) it did not climb. :func:`limit_malloc_arenas` sets that from
``[heap] malloc_arenas`` when the node starts (``mallopt(M_ARENA_MAX)``; it holds only if set
before glibc has made its ninth arena, i.e. early in the process).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import os
from collections.abc import Callable
from typing import cast

import structlog
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "YOUNG_THRESHOLD",
    "HeapSettings",
    "limit_malloc_arenas",
    "malloc_trim",
    "rss_bytes",
    "settle_heap",
    "trim_heap_forever",
]

log = structlog.get_logger(__name__)

YOUNG_THRESHOLD = 20_000
M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)


class HeapSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # how often the C allocator's free pages are given back to the system; 0: never
    trim_every_s: float = Field(default=60.0, ge=0)
    # at most this many glibc malloc arenas (heaps threads allocate from); 0: glibc's own limit
    malloc_arenas: int = Field(default=2, ge=0)


def settle_heap(young: int = YOUNG_THRESHOLD) -> None:
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)


def malloc_trim() -> Callable[[], int] | None:
    """glibc's ``malloc_trim(0)`` (1 when memory was given back), or None where there is none."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: cast(int, trim(0))


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def limit_malloc_arenas(arenas: int) -> bool:
    """At most ``arenas`` glibc malloc arenas from now on (``mallopt(M_ARENA_MAX, arenas)``); False
    where the C library has no ``mallopt`` or refuses it."""
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None or arenas < 1:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))


def rss_bytes() -> int:
    """The process's resident memory (0 where ``/proc`` is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


async def trim_heap_forever(
    every_s: float,
    trim: Callable[[], int],
    registry: CollectorRegistry,
    rss: Callable[[], int] = rss_bytes,
) -> None:
    """Every ``every_s``, give the allocator's free pages back; the bytes the RSS shrank by are
    counted in ``hotline_heap_trimmed_bytes_total``."""
    trimmed = Counter(
        "hotline_heap_trimmed_bytes",
        "Resident memory given back to the system by malloc_trim",
        registry=registry,
    )
    while True:
        await asyncio.sleep(every_s)
        before = rss()
        await asyncio.to_thread(trim)
        released = max(0, before - rss())
        trimmed.inc(released)
        log.debug("heap.trimmed", released_mb=round(released / 2**20, 1))
