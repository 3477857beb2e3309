"""A started node's heap is out of the collector's sight, its young generation larger, and the C
allocator's free pages are given back to the system every ``[heap] trim_every_s``."""

from __future__ import annotations

import asyncio
import gc
import itertools
import platform
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cti.agi.settings import AgiSettings
from cti.ami.settings import AmiSettings
from node.heap import YOUNG_THRESHOLD, HeapSettings, malloc_trim, rss_bytes, settle_heap, trim_heap_forever
from node.root import Parts, running_node
from node.settings import Settings
from storage.settings import StorageSettings
from tests.support.ports import free_port

GLIBC = platform.libc_ver()[0] == "glibc"
TRIMMED = "hotline_heap_trimmed_bytes_total"


def test_settling_freezes_what_start_up_made_and_widens_the_young_generation() -> None:
    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 10_000  # the modules loaded: never walked again
        assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_the_heap_is_trimmed_every_period_and_what_it_gave_back_counted() -> None:
    calls: list[float] = []
    three = asyncio.Event()
    resident = iter([100, 60, 60, 60, 50, 55] + [55] * 100)  # before, after, before, after, ...

    loop = asyncio.get_running_loop()

    def trim() -> int:  # called in a thread, off the event loop
        calls.append(time.monotonic())
        if len(calls) == 3:
            loop.call_soon_threadsafe(three.set)
        return 1

    registry = CollectorRegistry()
    task = asyncio.create_task(trim_heap_forever(0.05, trim, registry, rss=lambda: next(resident)))
    try:
        await asyncio.wait_for(three.wait(), timeout=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert all(b - a >= 0.04 for a, b in itertools.pairwise(calls))  # one per period
    assert registry.get_sample_value(TRIMMED) == 40 + 0 + 0  # a growth in between is not counted


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_malloc_trim_gives_back_the_free_pages_scattered_between_live_blocks() -> None:
    trim = malloc_trim()
    assert trim is not None
    trim()
    blocks = [bytes(2048) for _ in range(60_000)]  # 120 MB from malloc (above pymalloc's 512 B)
    kept = blocks[::64]  # one live block in every 64 keeps the heap's top from being given back
    del blocks
    freed = rss_bytes()
    trim()
    assert freed - rss_bytes() > 50 * 2**20
    assert len(kept) == 938


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
async def test_a_running_node_trims_its_heap(tmp_path: Path) -> None:
    settings = Settings(
        storage=StorageSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'node.sqlite3'}"),
        ami=AmiSettings(port=free_port()),  # no PBX: the node runs without its AMI session
        agi=AgiSettings(port=0),
        heap=HeapSettings(trim_every_s=0.05),
    )
    registry = CollectorRegistry()
    parts = Parts(
        ivr=False,
        acd=False,
        api=False,
        recordings=False,
        retention=False,
        reports=False,
        orders=False,
        workflow=False,
    )
    async with running_node(settings, parts=parts, registry=registry):
        for _ in range(200):  # the first trim comes after one period
            if registry.get_sample_value(TRIMMED) is not None:
                break
            await asyncio.sleep(0.05)
        assert registry.get_sample_value(TRIMMED) is not None
    off = Settings(**{**settings.model_dump(), "heap": HeapSettings(trim_every_s=0)})
    registry = CollectorRegistry()
    async with running_node(off, parts=parts, registry=registry):
        await asyncio.sleep(0.3)
    assert registry.get_sample_value(TRIMMED) is None


ARENAS_PROBE = """
import ctypes, ctypes.util, os, sys, tempfile, threading
from node.heap import limit_malloc_arenas
if sys.argv[1] != "0":
    assert limit_malloc_arenas(int(sys.argv[1]))
all_in = threading.Barrier(8)
def allocate():  # all eight alive at once: an ended thread's arena is handed to the next
    kept = [bytearray(4096) for _ in range(200)]
    all_in.wait()
    del kept
threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
path = os.path.join(tempfile.mkdtemp(), "info.xml")
f = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, f)
libc.fclose(f)
print(open(path).read().count("<heap nr="))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")
@pytest.mark.parametrize(("limit", "most"), [(0, None), (2, 2)])
def test_the_node_keeps_glibc_to_two_malloc_arenas(limit: int, most: int | None) -> None:
    """Eight threads that allocate get an arena each from glibc (up to eight per core); limited,
    they share two: the soak's RSS stopped climbing with it (node/heap.py)."""
    assert HeapSettings().malloc_arenas == 2
    done = subprocess.run(
        [sys.executable, "-c", ARENAS_PROBE, str(limit)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    arenas = int(done.stdout.strip())
    if most is None:
        assert arenas >= 5  # the main arena and most of the threads' own
    else:
        assert arenas <= most


async def test_a_starting_node_limits_the_malloc_arenas(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    limits: list[int] = []
    monkeypatch.setattr("node.root.limit_malloc_arenas", limits.append)
    settings = Settings(
        storage=StorageSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'n.sqlite3'}"),
        ami=AmiSettings(port=free_port()),
        agi=AgiSettings(port=0),
    )
    parts = Parts(ivr=False, acd=False, api=False, recordings=False, retention=False, reports=False)
    async with running_node(settings, parts=parts):
        pass
    off = Settings(**{**settings.model_dump(), "heap": HeapSettings(malloc_arenas=0)})
    async with running_node(off, parts=parts):
        pass
    assert limits == [2]  # and glibc's own limit when set to 0
