"""Benchmark of the AMI read path: parser + call state model, and our client end to end.

``run(events)`` generates a stream of ``events`` AMI events shaped like those the real
Asterisk 22 sent in ``../shared/asterisk/captures`` (ami_09: Originate, Local channel pairs,
Dial, bridge, hang-up; plus ami_15's MixMonitor and DTMF and ami_21's music on hold), for many
calls at once, then measures in one run:

- ``events_per_s``: bytes -> :class:`AmiParser` -> :meth:`CallState.apply`, in memory;
- ``parser_events_per_s``: the parser alone;
- ``panoramisk_events_per_s``: panoramisk 1.4's ``AMIProtocol.data_received`` on the same
  chunks (its own parsing and dispatch to a dummy factory);
- ``p50_ms`` / ``p99_ms``: from a write on a loopback TCP socket to the state change reaching
  a subscriber of :class:`AmiClient` (its real read path), at half the measured ingest rate
  (``latency_rate_events_per_s``); each write ends with a probe event whose change is timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import statistics
import time
from collections.abc import Iterator
from typing import Any

import structlog
from panoramisk.ami_protocol import AMIProtocol

from cti.ami.client import AmiClient
from cti.ami.protocol import AmiMessage, AmiParser, encode_message
from cti.ami.state import CallState, ChannelUpdated
from cti.settings import AmiSettings

Headers = list[tuple[str, str]]

CHUNK = 32 * 1024  # bytes per read, as Asterisk's writes arrive coalesced
CONCURRENT_CALLS = 500  # each call has 4 channels (two Local pairs)
PROBE = "Local/bench-probe@test-00000000;1"
PROBE_ID = "1700000000.0"


# -- the stream ------------------------------------------------------------------------------
def _snapshot(prefix: str, name: str, uid: str, linkedid: str, state: int, exten: str, prio: int) -> Headers:
    desc = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}[state]
    return [
        (f"{prefix}Channel", name),
        (f"{prefix}ChannelState", str(state)),
        (f"{prefix}ChannelStateDesc", desc),
        (f"{prefix}CallerIDNum", "2002"),
        (f"{prefix}CallerIDName", "Caller"),
        (f"{prefix}ConnectedLineNum", "2002"),
        (f"{prefix}ConnectedLineName", "Caller"),
        (f"{prefix}Language", "en"),
        (f"{prefix}AccountCode", ""),
        (f"{prefix}Context", "test"),
        (f"{prefix}Exten", exten),
        (f"{prefix}Priority", str(prio)),
        (f"{prefix}Uniqueid", uid),
        (f"{prefix}Linkedid", linkedid),
    ]


def call_events(k: int) -> list[Headers]:
    """One call as in capture ami_09 (+ hold, recording and DTMF), with ids of call ``k``."""
    base = 1795673901 + k // 1000
    a, b, c, d = (f"{base}.{4 * k + i}" for i in range(4))
    pair1, pair2 = f"Local/300@test-{2 * k:08x}", f"Local/200@test-{2 * k + 1:08x}"
    A, B, C, D = f"{pair1};1", f"{pair1};2", f"{pair2};1", f"{pair2};2"
    bridge = f"{k:08x}-0110-4ae3-9306-{k:012x}"
    bridge_block = [
        ("BridgeUniqueid", bridge),
        ("BridgeType", "basic"),
        ("BridgeTechnology", "simple_bridge"),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", "0"),
        ("BridgeVideoSourceMode", "none"),
    ]

    def ev(name: str, *blocks: Headers, extra: Headers | None = None, priv: str = "call,all") -> Headers:
        out = [("Event", name), ("Privilege", priv)]
        for block in blocks:
            out += block
        return out + (extra or [])

    def ch(name: str, uid: str, state: int, exten: str = "300", prio: int = 1, prefix: str = "") -> Headers:
        return _snapshot(prefix, name, uid, a, state, exten, prio)

    def var(name: str, uid: str, variable: str, value: str) -> Headers:
        return ev(
            "VarSet",
            ch(name, uid, 6, prio=3),
            extra=[("Variable", variable), ("Value", value)],
            priv="dialplan,all",
        )

    def dev(device: str, state: str) -> Headers:
        return ev("DeviceStateChange", extra=[("Device", device), ("State", state)])

    def cdr(name: str, uid: str) -> Headers:
        return ev(
            "Cdr",
            extra=[
                *[("AccountCode", ""), ("Source", "2002"), ("Destination", "300"), ("Channel", name)],
                *[
                    ("Disposition", "ANSWERED"),
                    ("Duration", "4"),
                    ("BillableSeconds", "4"),
                    ("UniqueID", uid),
                ],
            ],
            priv="cdr,all",
        )

    dialvars = ["DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME", "ANSWEREDTIME", "DIALEDTIME", "RINGTIME"]
    events = [
        ev("Newchannel", ch(A, a, 0)),
        ev("Newchannel", ch(B, b, 4)),
        ev(
            "Newexten",
            ch(A, a, 0),
            extra=[("Extension", "300"), ("Application", "AppDial2"), ("AppData", "")],
        ),
        ev("NewCallerid", ch(A, a, 0), extra=[("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")]),
        ev("NewConnectedLine", ch(A, a, 0)),
        ev("NewCallerid", ch(B, b, 4), extra=[("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")]),
        ev("NewConnectedLine", ch(B, b, 4)),
        ev(
            "LocalBridge",
            ch(A, a, 0, prefix="LocalOne"),
            ch(B, b, 4, prefix="LocalTwo"),
            extra=[("LocalOptimization", "Yes")],
        ),
        ev("DialBegin", ch(A, a, 0, prefix="Dest"), extra=[("DialString", "300@test")]),
        ev("Newexten", ch(B, b, 4), extra=[("Extension", "300"), ("Application", "NoOp"), ("AppData", B)]),
        ev(
            "Newexten",
            ch(B, b, 4, prio=2),
            extra=[("Extension", "300"), ("Application", "Answer"), ("AppData", "")],
        ),
        ev("Newstate", ch(B, b, 6, prio=2)),
        dev("Local/300@test", "INUSE"),
        ev("Newstate", ch(A, a, 6)),
        ev("DialEnd", ch(A, a, 6, prefix="Dest"), extra=[("DialStatus", "ANSWER")]),
        ev(
            "OriginateResponse",
            extra=[
                *[("ActionID", f"orig-{k}"), ("Response", "Success"), ("Channel", A), ("Reason", "4")],
                *[("Uniqueid", a), ("CallerIDNum", "2002"), ("CallerIDName", "Caller")],
            ],
        ),
        ev(
            "Newexten",
            ch(B, b, 6, prio=3),
            extra=[("Extension", "300"), ("Application", "Dial"), ("AppData", "Local/200@test,20")],
        ),
        *(var(B, b, v, "") for v in dialvars),
        ev("Newchannel", ch(C, c, 0, "200")),
        ev("Newchannel", ch(D, d, 4, "200")),
        var(C, c, "CALLERID(num)", "300"),
        ev(
            "Newexten",
            ch(C, c, 0, "200"),
            extra=[("Extension", "200"), ("Application", "AppDial2"), ("AppData", "")],
        ),
        ev("NewCallerid", ch(C, c, 0, "200")),
        var(D, d, "CALLERID(num)", "300"),
        ev("NewConnectedLine", ch(D, d, 4, "200")),
        ev("LocalBridge", ch(C, c, 0, "200", prefix="LocalOne"), ch(D, d, 4, "200", prefix="LocalTwo")),
        ev(
            "DialBegin",
            ch(B, b, 6, prio=3),
            ch(C, c, 0, "200", prefix="Dest"),
            extra=[("DialString", "Local/200@test")],
        ),
        ev(
            "Newexten",
            ch(D, d, 4, "200"),
            extra=[("Extension", "200"), ("Application", "NoOp"), ("AppData", D)],
        ),
        ev(
            "Newexten",
            ch(D, d, 4, "200", 2),
            extra=[("Extension", "200"), ("Application", "Answer"), ("AppData", "")],
        ),
        ev("Newstate", ch(D, d, 6, "200", 2)),
        dev("Local/200@test", "INUSE"),
        ev("Newstate", ch(C, c, 6, "200")),
        var(B, b, "DIALEDPEERNAME", C),
        var(B, b, "DIALEDPEERNUMBER", "200@test"),
        ev(
            "DialEnd",
            ch(B, b, 6, prio=3),
            ch(C, c, 6, "200", prefix="Dest"),
            extra=[("DialStatus", "ANSWER")],
        ),
        ev("BridgeCreate", bridge_block),
        ev(
            "Newexten",
            ch(C, c, 6, "200"),
            extra=[("Extension", ""), ("Application", "AppDial"), ("AppData", "")],
        ),
        ev("BridgeEnter", bridge_block, ch(C, c, 6, "200")),
        ev("BridgeEnter", bridge_block, ch(B, b, 6, prio=3)),
        var(C, c, "BRIDGEPEER", B),
        var(B, b, "BRIDGEPEER", C),
        ev(
            "Newexten",
            ch(D, d, 6, "200", 3),
            extra=[("Extension", "200"), ("Application", "Wait"), ("AppData", "30")],
        ),
        ev("MusicOnHoldStart", ch(B, b, 6, prio=3), extra=[("Class", "default")]),
        ev("MusicOnHoldStop", ch(B, b, 6, prio=3)),
        ev("MixMonitorStart", ch(B, b, 6, prio=3)),
        *(
            ev(
                kind,
                ch(D, d, 6, "200", 3),
                extra=[("Digit", digit), ("Direction", "Received")],
                priv="dtmf,all",
            )
            for digit in "12#"
            for kind in ("DTMFBegin", "DTMFEnd")
        ),
        ev("MixMonitorStop", ch(B, b, 6, prio=3)),
        ev("HangupRequest", ch(B, b, 6, prio=3), extra=[("Cause", "0")]),
        cdr(A, a),
        var(B, b, "BRIDGEPEER", ""),
        ev("Hangup", ch(A, a, 6), extra=[("Cause", "0"), ("Cause-txt", "Unknown")]),
        cdr(D, d),
        cdr(B, b),
        var(C, c, "BRIDGEPEER", ""),
        ev("BridgeLeave", bridge_block, ch(B, b, 6, prio=3)),
        *(var(B, b, v, "4") for v in ("ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS")),
        ev("BridgeLeave", bridge_block, ch(C, c, 6, "200")),
        dev("Local/300@test", "NOT_INUSE"),
        var(B, b, "DIALSTATUS", "ANSWER"),
        ev("BridgeDestroy", bridge_block),
        ev("HangupRequest", ch(D, d, 6, "200", 3), extra=[("Cause", "16")]),
        ev("SoftHangupRequest", ch(D, d, 6, "200", 3), extra=[("Cause", "16")]),
        ev("SoftHangupRequest", ch(B, b, 6, prio=3), extra=[("Cause", "16")]),
        *(
            ev("Hangup", ch(n, u, 6, e, p), extra=[("Cause", "16"), ("Cause-txt", "Normal Clearing")])
            for n, u, e, p in ((B, b, "300", 3), (C, c, "200", 1), (D, d, "200", 3))
        ),
        dev("Local/300@test", "NOT_INUSE"),
        dev("Local/200@test", "NOT_INUSE"),
    ]
    return events


def interleave(total: int, concurrent: int, seed: int = 1) -> Iterator[Headers]:
    """``total`` events of ``concurrent`` calls running at once (a new call starts as one ends)."""
    rng = random.Random(seed)
    next_call = 0
    active: list[Iterator[Headers]] = []
    for _ in range(concurrent):
        active.append(iter(call_events(next_call)))
        next_call += 1
    produced = 0
    while produced < total:
        i = rng.randrange(len(active))
        event = next(active[i], None)
        if event is None:
            active[i] = iter(call_events(next_call))
            next_call += 1
            continue
        produced += 1
        yield event


def generate(events: int, concurrent: int = CONCURRENT_CALLS) -> list[bytes]:
    """The stream, one encoded message per event."""
    return [encode_message(headers) for headers in interleave(events, concurrent)]


def chunked(stream: bytes, size: int = CHUNK) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


# -- in memory ----------------------------------------------------------------------------------
def measure_ours(chunks: list[bytes], *, with_state: bool) -> tuple[float, int, int]:
    parser = AmiParser()
    state = CallState()
    count = peak = 0
    started = time.perf_counter()
    for chunk in chunks:
        for item in parser.feed(chunk):
            if isinstance(item, AmiMessage):
                count += 1
                if with_state:
                    state.apply(item)
        if with_state and len(state) > peak:
            peak = len(state)
    return time.perf_counter() - started, count, peak


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
    started = time.perf_counter()
    for chunk in chunks:
        protocol.data_received(chunk)
    return time.perf_counter() - started, factory.dispatched


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
            encode_message([("Event", "Newchannel"), *_snapshot("", PROBE, PROBE_ID, PROBE_ID, 6, "1", 1)])
        )
        next_at = time.perf_counter()
        for seq, batch in enumerate(batches):
            probe = encode_message(
                [
                    ("Event", "VarSet"),
                    *_snapshot("", PROBE, PROBE_ID, PROBE_ID, 6, "1", 1),
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
    repeat: int = 1,
    latency_rate: float = 2500.0,
    latency_seconds: float = 5.0,
) -> dict[str, Any]:
    """Measure; in-memory rates are the best of ``repeat`` interleaved runs (other load only slows).

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
        ours_s = parser_s = pano_s = float("inf")
        for _ in range(repeat):  # interleaved, so a busy moment does not favour one of them
            elapsed, parsed, peak = measure_ours(chunks, with_state=True)
            ours_s = min(ours_s, elapsed)
            parser_s = min(parser_s, measure_ours(chunks, with_state=False)[0])
            elapsed, dispatched = measure_panoramisk(chunks)
            pano_s = min(pano_s, elapsed)
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
