"""A started node's heap is out of the collector's sight, its young generation larger, and the C
allocator's free pages are given back to the system every ``[heap] trim_every_s``."""

from __future__ import annotations

import asyncio
import gc
import itertools
import platform
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
