"""The routing bench runs end to end on a small centre and reports what the contract promises."""

from __future__ import annotations

import pytest

from acd.settings import AcdSettings, RedisSettings
from acd.store import open_store
from acd.store_redis import RedisStore
from bench.routing import Centre, run

from .conftest import redis_url, require_redis


@pytest.mark.redis
async def test_small_bench_reports_both_stores() -> None:
    await require_redis()
    lines: list[str] = []
    results = await run(Centre(agents=40, skills=5, waiting=120, rounds=40), redis_url(), lines.append)
    assert set(results) == {"memory", "redis"}
    for store in ("memory", "redis"):
        r = results[store]
        assert r["decisions"] == 80 and r["offers"] > 0
        assert r["decisions_per_s"] > 0 and 0 < r["p50_ms"] <= r["p99_ms"]
    assert any("calls waiting" in line for line in lines)
    redis = results["redis"]  # the bare Lua claim, timed after each decision
    assert 0 < redis["floor_p50_ms"] <= redis["floor_p99_ms"]
    assert redis["p99_ratio"] == round(redis["p99_ms"] / redis["floor_p99_ms"], 2)
    assert "floor_p99_ms" not in results["memory"]


@pytest.mark.redis
async def test_open_store_gives_redis_under_the_acd_prefix() -> None:
    await require_redis()
    store = await open_store(
        AcdSettings(store="redis"), RedisSettings(url=redis_url(), key_prefix="test-open")
    )
    try:
        assert isinstance(store, RedisStore) and store.prefix == "test-open:acd"
    finally:
        await store.close()
