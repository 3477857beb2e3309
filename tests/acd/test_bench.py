"""The routing bench runs end to end on a small centre and reports what the contract promises."""

from __future__ import annotations

import pytest

from bench.routing import Centre, run

from .conftest import require_redis, redis_url


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
