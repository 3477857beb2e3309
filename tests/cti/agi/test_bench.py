"""bench/agi.py runs end to end on a small scale and reports what it promises."""

from __future__ import annotations

import io

from bench.agi import run


async def test_bench_reports_round_trips_and_latency() -> None:
    progress = io.StringIO()
    result = await run(5, 1.2, progress=progress)
    assert result["sessions"] == 5 and result["failed_sessions"] == 0
    assert result["round_trips"] > 30 and result["round_trips_per_s"] > 0
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert result["connect_s"] is not None and result["peak_rss_mb"] > 0
    assert "agi bench:" in progress.getvalue()
