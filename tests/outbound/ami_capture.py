"""Capture what a real Asterisk reports for each kind of called phone, and read it back.

``python -m tests.outbound.ami_capture HOST:PORT USER SECRET`` against an Asterisk running
``data/callee.conf`` writes ``data/<scenario>.ami``: every byte the AMI session received, from the
banner to the ``Goodbye``, for one ``Originate`` (``Async: true``, ``Timeout: 4000``,
``ChannelId: ob-<scenario>``) of ``Local/<extension>@callee`` into ``[script]``.  The tests feed those
bytes to :mod:`outbound.outcomes`; ``test_outcomes_live.py`` runs the same against a fresh Asterisk.

A tiny AMI reader lives here (``Key: Value`` lines, blocks ending with an empty line): the project's
parser is not imported by outbound's tests.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from outbound.outcomes import OriginateReport

DATA = Path(__file__).parent / "data"

# scenario -> extension in [callee]
SCENARIOS = {
    "answer": "answer",
    "busy": "busy",
    "congestion": "congestion",
    "ring_no_answer": "ringnoanswer",
    "silent_no_answer": "silentnoanswer",
    "rejected": "reject",
    "unallocated": "unallocated",
    "hangup_before_answer": "hangupnoanswer",
    "ring_then_busy": "ringbusy",
    "no_such_extension": "nosuch",
}


def channel_id(scenario: str) -> str:
    return f"ob-{scenario.replace('_', '-')}"


def originate_action(scenario: str) -> bytes:
    lines = [
        "Action: Originate",
        f"Channel: Local/{SCENARIOS[scenario]}@callee",
        "Context: script",
        "Exten: s",
        "Priority: 1",
        "Async: true",
        "Timeout: 4000",
        f"ChannelId: {channel_id(scenario)}",
        f"ActionID: orig-{scenario}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse_blocks(data: bytes) -> list[dict[str, str]]:
    """Every ``Key: Value`` block of an AMI stream (the banner line is skipped)."""
    blocks = []
    for chunk in data.split(b"\r\n\r\n"):
        fields: dict[str, str] = {}
        for line in chunk.split(b"\r\n"):
            key, sep, value = line.partition(b": ")
            if sep:
                fields.setdefault(key.decode(), value.decode())
        if fields:
            blocks.append(fields)
    return blocks


def report_for(data: bytes, scenario: str) -> OriginateReport:
    """The :class:`OriginateReport` of ``scenario``'s attempt in a captured stream."""
    ours = channel_id(scenario)
    blocks = parse_blocks(data)
    response = next(
        b for b in blocks if b.get("Event") == "OriginateResponse" and b.get("ActionID") == f"orig-{scenario}"
    )
    hangup = next((b for b in blocks if b.get("Event") == "Hangup" and b.get("Uniqueid") == ours), None)
    dial_end = next(
        (b for b in blocks if b.get("Event") == "DialEnd" and b.get("DestUniqueid") == ours), None
    )
    return OriginateReport.from_events(response, hangup, dial_end)


def capture(address: tuple[str, int], user: str, secret: str, scenario: str, limit_s: float = 12) -> bytes:
    """One AMI session: log in, originate ``scenario``, read until its channels are gone, log off."""
    ours = channel_id(scenario)
    received = bytearray()
    with socket.create_connection(address, timeout=0.2) as sock:
        login = [f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}", "Events: call", "ActionID: login"]
        sock.sendall(("\r\n".join(login) + "\r\n\r\n").encode())
        _read_until(sock, received, lambda: b"Authentication accepted" in received, 3)
        sock.sendall(originate_action(scenario))

        def done() -> bool:
            events = parse_blocks(bytes(received))
            gone = {b.get("Uniqueid") for b in events if b.get("Event") == "Hangup"}
            # our own OriginateResponse: every session sees every scenario's events
            answered = any(
                b.get("Event") == "OriginateResponse" and b.get("ActionID") == f"orig-{scenario}"
                for b in events
            )
            return answered and ours in gone

        _read_until(sock, received, done, limit_s)
        _read_until(sock, received, lambda: False, 0.8)  # the ;2 leg's Hangup trails
        sock.sendall(b"Action: Logoff\r\nActionID: bye\r\n\r\n")
        _read_until(sock, received, lambda: False, 1, stop_at_eof=True)
    return bytes(received)


def _read_until(
    sock: socket.socket,
    into: bytearray,
    condition: Callable[[], bool],
    limit_s: float,
    *,
    stop_at_eof: bool = False,
) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and not condition():
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            if stop_at_eof:
                return
            raise ConnectionError("Asterisk closed the AMI connection")
        into += chunk


def main(argv: list[str]) -> None:
    host, _, port = argv[0].partition(":")
    for scenario in SCENARIOS:
        data = capture((host, int(port)), argv[1], argv[2], scenario)
        (DATA / f"{scenario}.ami").write_bytes(data)
        print(scenario, report_for(data, scenario))


if __name__ == "__main__":
    main(sys.argv[1:])
