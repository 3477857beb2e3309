"""The WebSocket fan-out bench runs end to end on a small floor and reports its figures."""

from __future__ import annotations

from bench.websocket import run


async def test_small_websocket_bench() -> None:
    result = await run(clients=12, wallboards=3, rate=20.0, duration_s=1.0)
    assert result["clients"] == 12 and result["wallboards"] == 3
    assert result["state_changes"] >= 15
    # every change reaches its agent and the three supervisors
    assert result["messages"] >= result["state_changes"] * 4
    assert result["dropped"] == 0
    assert 0 < result["frames"] <= result["messages"]  # several messages may share a frame
    assert len(result["client_cpu_s"]) == 2 and result["server_cpu_s"] > 0  # two client processes
    assert result["server_loop_lag_ms"]["max"] is not None and result["server_gc"]["full"] >= 0
    latency = result["latency_ms"]
    assert 0 <= latency["p50"] <= latency["p99"] <= latency["max"]
