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


async def test_bench_reports_the_bare_server_floor_and_the_ratio() -> None:
    progress = io.StringIO()
    result = await run(5, 1.0, progress=progress)
    assert result["floor_failed_sessions"] == 0 and result["floor_round_trips_per_s"] > 30
    assert 0 < result["floor_p50_ms"] <= result["floor_p99_ms"]
    assert result["p99_ratio"] == round(result["p99_ms"] / result["floor_p99_ms"], 2)
    assert "agi floor:" in progress.getvalue()


def test_the_command_runs_two_thousand_sessions_by_default() -> None:
    from cli.main import build_parser

    args = build_parser().parse_args(["bench", "agi"])
    assert args.sessions == 2000


def test_both_servers_queue_every_connect_of_the_burst() -> None:
    from bench.agi import _backlog

    # every call connects at once; a listen queue shorter than that drops connects, which then
    # miss the simulated Asterisk's 2 s connect limit
    assert _backlog(2000) == 2000 and _backlog(10) == 1024
