"""Benchmark of the AMI read path: parser + call state model, and our client end to end.

``run(events)`` generates a stream of ``events`` AMI events shaped like those the real
Asterisk 22 sent, for many calls at once (:mod:`bench.ami_stream`), then measures in one run:

- ``events_per_s``: bytes -> :class:`AmiParser` -> :meth:`CallState.apply`, in memory;
  the three in-memory rates are per second of this process's CPU time, so that other processes
  taking the CPU away (a shared machine) do not tilt the comparison;
- ``parser_events_per_s``: the parser alone;
- ``panoramisk_events_per_s``: panoramisk 1.4's ``AMIProtocol.data_received`` on the same
  chunks (its own parsing and dispatch to a dummy factory);
- ``ratio``: ``events_per_s / panoramisk_events_per_s`` (1 or more: our parser and state model
  keep up with panoramisk's parser alone);
- ``p50_ms`` / ``p99_ms``: from a write on a loopback TCP socket to the state change reaching
  a subscriber of :class:`AmiClient` (its real read path), at half the measured ingest rate
  (``latency_rate_events_per_s``); each write ends with a probe event whose change is timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from typing import Any

import structlog
from panoramisk.ami_protocol import AMIProtocol

from bench.ami_stream import CONCURRENT_CALLS, generate, snapshot
from cti.ami.channels import ChannelUpdated
from cti.ami.client import AmiClient
from cti.ami.protocol import AmiMessage, AmiParser, encode_message
from cti.ami.settings import AmiSettings
from cti.ami.state import CallState

CHUNK = 32 * 1024  # bytes per read, as Asterisk's writes arrive coalesced
PROBE = "Local/bench-probe@test-00000000;1"
PROBE_ID = "1700000000.0"


def chunked(stream: bytes, size: int = CHUNK) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


# -- in memory ----------------------------------------------------------------------------------
def measure_ours(chunks: list[bytes], *, with_state: bool) -> tuple[float, int, int]:
    parser = AmiParser()
    state = CallState()
    count = peak = 0
    started = time.process_time()
    for chunk in chunks:
        for item in parser.feed(chunk):
            if isinstance(item, AmiMessage):
                count += 1
                if with_state:
                    state.apply(item)
        if with_state and len(state) > peak:
            peak = len(state)
    return time.process_time() - started, count, peak


class _Transport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


class _Factory:
    def __init__(self) -> None:
        self.dispatched = 0

    def dispatch(self, message: Any) -> None:
        self.dispatched += 1


def measure_panoramisk(chunks: list[bytes]) -> tuple[float, int]:
    protocol = AMIProtocol()
    protocol.connection_made(_Transport())
    factory = _Factory()
    protocol.factory = factory
    protocol.encoding = "utf-8"
    protocol.version = "11.0.0"  # it looks for a banner in every chunk until it has one
    started = time.process_time()
    for chunk in chunks:
        protocol.data_received(chunk)
    return time.process_time() - started, factory.dispatched


# -- through a socket and the client ---------------------------------------------------------------
class _BenchServer:
    """Just enough of Asterisk's manager for the client to log in; then it streams events."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None
        self.port = 0

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        parser = AmiParser()
        while data := await reader.read(65536):
            for item in parser.feed(data):
                if not isinstance(item, AmiMessage):
                    continue
                name, aid = (item.action or "").lower(), ("ActionID", item.action_id or "")
                if name == "coreshowchannels":
                    writer.write(encode_message([("Response", "Success"), aid, ("EventList", "start")]))
                    writer.write(
                        encode_message([("Event", "CoreShowChannelsComplete"), aid, ("ListItems", "0")])
                    )
                    self.writer = writer
                    self.ready.set()
                elif name == "logoff":
                    writer.write(encode_message([("Response", "Goodbye"), aid]))
                    writer.close()
                    return
                else:
                    writer.write(encode_message([("Response", "Success"), aid]))


async def measure_latency(
    stream: list[bytes], rate: float, *, batch_s: float = 0.002
) -> tuple[list[float], int]:
    """Write ``stream`` at ``rate`` events/s in writes every ``batch_s``; latencies of the probes, in s."""
    bench = _BenchServer()
    server = await bench.start()
    settings = AmiSettings(port=bench.port, secret="x", ping_interval_s=60, subscription_queue_size=1_000_000)
    client = AmiClient(settings)
    written: dict[str, float] = {}
    latencies: list[float] = []
    per_batch = max(1, int(rate * batch_s))
    batches = [stream[i : i + per_batch] for i in range(0, len(stream), per_batch)]

    async def consume() -> None:
        async for change in client.changes():
            if isinstance(change, ChannelUpdated) and change.after.uniqueid == PROBE_ID:
                seq = change.after.variable("BENCH_SEQ")
                if seq is not None and seq in written:
                    latencies.append(time.perf_counter() - written.pop(seq))

    async with client:
        await client.wait_connected(timeout_s=10)
        await bench.ready.wait()
        writer = bench.writer
        assert writer is not None
        consumer = asyncio.create_task(consume())
        writer.write(
            encode_message([("Event", "Newchannel"), *snapshot("", PROBE, PROBE_ID, PROBE_ID, 6, "1", 1)])
        )
        next_at = time.perf_counter()
        for seq, batch in enumerate(batches):
            probe = encode_message(
                [
                    ("Event", "VarSet"),
                    *snapshot("", PROBE, PROBE_ID, PROBE_ID, 6, "1", 1),
                    *[("Variable", "BENCH_SEQ"), ("Value", str(seq))],
                ]
            )
            written[str(seq)] = time.perf_counter()
            writer.write(b"".join(batch) + probe)
            await writer.drain()
            next_at += batch_s
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await asyncio.sleep(0.2)
        received = client.state.stats.events
    consumer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await consumer
    server.close()
    await server.wait_closed()
    return latencies, received


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(
    events: int,
    *,
    concurrent: int = CONCURRENT_CALLS,
    repeat: int = 3,
    latency_rate: float = 2500.0,
    latency_seconds: float = 5.0,
) -> dict[str, Any]:
    """Measure; each in-memory rate is the median of ``repeat`` runs, the three measures taking
    turns (so a busy moment of a shared machine falls on each of them alike, and one slow run
    does not move the ratio).

    The latency phase writes ``latency_rate`` events/s (capped at half the in-memory rate) for
    ``latency_seconds``: a steady load well above a busy hotline's (500 calls of ~70 events in
    3 minutes are ~200 events/s), not a saturation test.
    """
    quiet = not structlog.is_configured()
    if quiet:  # the client's per-call debug lines would be most of the run
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        messages = generate(events, concurrent)
        stream = b"".join(messages)
        chunks = chunked(stream)
        ours: list[float] = []
        parser: list[float] = []
        pano: list[float] = []
        for _ in range(max(1, repeat)):  # interleaved, so a busy moment does not favour one of them
            elapsed, parsed, peak = measure_ours(chunks, with_state=True)
            ours.append(elapsed)
            parser.append(measure_ours(chunks, with_state=False)[0])
            elapsed, dispatched = measure_panoramisk(chunks)
            pano.append(elapsed)
        ours_s, parser_s, pano_s = map(statistics.median, (ours, parser, pano))
        rate = min(latency_rate, 0.5 * parsed / ours_s)
        sample = messages[: max(1, int(rate * latency_seconds))]
        latencies, received = asyncio.run(measure_latency(sample, rate))
    finally:
        if quiet:
            structlog.reset_defaults()
    return {
        "events": events,
        "bytes": len(stream),
        "concurrent_calls": concurrent,
        "peak_channels": peak,
        "events_per_s": round(parsed / ours_s),
        "parser_events_per_s": round(parsed / parser_s),
        "panoramisk_events_per_s": round(dispatched / pano_s),
        "ratio": round((parsed / ours_s) / (dispatched / pano_s), 3),
        "repeat": max(1, repeat),
        "panoramisk_events_seen": dispatched,
        "p50_ms": round(statistics.median(latencies) * 1000, 3) if latencies else None,
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3) if latencies else None,
        "latency_rate_events_per_s": round(rate),
        "latency_events": len(sample),
        "latency_samples": len(latencies),
        "latency_events_received": received,
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000), indent=2))
