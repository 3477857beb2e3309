"""bench/ami.py runs, and its stream is what the state model expects."""

from __future__ import annotations

from bench.ami import run
from bench.ami_stream import call_events, generate
from cti.ami.protocol import AmiMessage, AmiParser
from cti.ami.state import CallState


def test_one_generated_call_goes_through_the_state_model_and_ends() -> None:
    state = CallState()
    stream = b"".join(generate(len(call_events(0)), concurrent=1))
    for item in AmiParser().feed(stream):
        assert isinstance(item, AmiMessage)
        state.apply(item)
    assert len(state) == 0 and state.bridges() == []
    assert state.stats.adopted == 0 and state.stats.unknown_channel == 0 and state.stats.resyncs == 0


def test_run_reports_every_measure() -> None:
    result = run(3000, concurrent=50, latency_rate=500, latency_seconds=0.3)
    assert result["events"] == 3000 and result["panoramisk_events_seen"] == 3000
    for key in ("events_per_s", "parser_events_per_s", "panoramisk_events_per_s"):
        assert result[key] > 0
    assert result["peak_channels"] > 100
    assert result["repeat"] == 3
    assert abs(result["ratio"] - result["events_per_s"] / result["panoramisk_events_per_s"]) < 0.01
    assert result["latency_samples"] > 50 and 0 < result["p50_ms"] <= result["p99_ms"]
    assert result["latency_events_received"] >= result["latency_events"]


def test_the_command_times_each_side_three_times_by_default() -> None:
    from cli.main import build_parser

    assert build_parser().parse_args(["bench", "ami"]).repeat == 3
    assert build_parser().parse_args(["bench", "ami", "--repeat", "5"]).repeat == 5
