"""The AMI event stream the AMI benchmark (:mod:`bench.ami`) feeds: many calls at once, each shaped
like what the real Asterisk 22 sent in ``../shared/asterisk/captures``.

One call (:func:`call_events`) is capture ami_09 (Originate, Local channel pairs, Dial, bridge,
hang-up) plus ami_15's MixMonitor and DTMF and ami_21's music on hold, with ids of its own;
:func:`interleave` runs ``concurrent`` of them at once (a new call starts as one ends) and
:func:`generate` encodes the result, one message per event.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from cti.ami.protocol import encode_message

__all__ = ["CONCURRENT_CALLS", "Headers", "call_events", "generate", "interleave", "snapshot"]

Headers = list[tuple[str, str]]

CONCURRENT_CALLS = 500  # each call has 4 channels (two Local pairs)


def snapshot(prefix: str, name: str, uid: str, linkedid: str, state: int, exten: str, prio: int) -> Headers:
    """A channel snapshot block, its header names starting with ``prefix`` (``Dest``, ``LocalOne``...)."""
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
        return snapshot(prefix, name, uid, a, state, exten, prio)

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
