"""Captured exchanges with the real Asterisk (``../shared/asterisk/captures``): reading them,
replaying their requests against the simulator, and comparing the answers.

"The same lines" is judged as follows, since a real Asterisk answers from several threads:

* replies to actions (``Response:`` messages and the list events that carry the action's
  ``ActionID``) must be identical and in the same order;
* broadcast events must be the same multiset, and for each channel (and each bridge) the
  events about it must come in the same order — except ``Cdr``, ``DeviceStateChange`` and
  ``OriginateResponse``, which Asterisk publishes from other threads: ``Cdr`` and
  ``OriginateResponse`` are compared as a multiset, ``DeviceStateChange`` as a set of
  (device, state) pairs because Asterisk coalesces them;
* identifiers (Uniqueid, Linkedid, channel sequence numbers, bridge ids, session ids,
  AGI command ids, challenges) are compared up to a consistent renaming, timestamps not at
  all, and durations within one second (milliseconds within 300 ms).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cti.ami.protocol import AmiMessage, AmiParser
from tests.support.shared import shared_path

CAPTURES = shared_path("captures")

_CHUNK = re.compile(r"^=== (SEND|RECV|EOF|NOTE)[^\n]*?t=([0-9.]+)[^\n]*$", re.M)


@dataclass(frozen=True)
class Chunk:
    direction: str  # SEND, RECV, EOF, NOTE
    t: float
    data: bytes
    note: str = ""


def _unescape(body: str) -> bytes:
    # every CR is shown as \r and every LF as \n followed by a real newline
    text = body.replace("\\n\n", "\n").replace("\\r", "\r")
    if text.endswith("\n") and not body.endswith("\\n\n"):
        text = text[:-1]
    return text.encode("utf-8")


def read_capture(name: str) -> list[Chunk]:
    text = (CAPTURES / f"{name}.txt").read_text()
    matches = list(_CHUNK.finditer(text))
    chunks: list[Chunk] = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[m.end() + 1 : end]
        direction = m.group(1)
        if direction in ("SEND", "RECV"):
            chunks.append(Chunk(direction, float(m.group(2)), _unescape(body)))
        else:
            chunks.append(Chunk(direction, float(m.group(2)), b"", m.group(0)))
    return chunks


def raw(name: str, direction: str) -> bytes:
    return (CAPTURES / "raw" / f"{name}.{direction}.bin").read_bytes()


def capture_names(prefix: str = "ami_") -> list[str]:
    return sorted(p.stem for p in CAPTURES.glob(f"{prefix}*.txt"))


def parse_stream(data: bytes) -> list[AmiMessage]:
    parser = AmiParser(expect_banner=data.startswith(b"Asterisk Call Manager/"))
    return [m for m in parser.feed(data) if isinstance(m, AmiMessage)]


# --------------------------------------------------------------------------- normalising
ID_FIELDS = re.compile(r"(uniqueid|linkedid|^uniqueid$|bridgeid|commandid|sessionid|challenge)$", re.I)
TIME_FIELDS = {
    "timestamp",
    "eventtv",
    "sessiontv",
    "starttime",
    "answertime",
    "endtime",
    "uptime",
    "lastreload",
}
EPOCH_FIELDS = {"logintime", "lastcall", "lastpause"}  # app_queue's member times; 0 is "never"
SECONDS_FIELDS = {"duration", "billableseconds", "seconds"}
TIMING_VARIABLES = {"ANSWEREDTIME", "DIALEDTIME", "RINGTIME", "PROGRESSTIME"}
CHANNEL_NAME = re.compile(r"((?:Local|PJSIP)/[^\s;,|]+?-)([0-9a-f]{8})(;[12])?")
UNIQUEID = re.compile(r"\b(1[0-9]{9}\.[0-9]+)\b")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


class Renamer:
    """Consistent renaming of identifiers.

    Uniqueids and channel sequence numbers are numbered in allocation order (both Asterisk
    and the simulator hand them out increasingly), other ids in order of first appearance.
    """

    def __init__(self, messages: Iterable[AmiMessage] = ()) -> None:
        self.maps: dict[str, dict[str, str]] = {}
        uids: set[str] = set()
        seqs: set[str] = set()
        for msg in messages:
            for _, value in msg.headers:
                uids.update(UNIQUEID.findall(value))
                seqs.update(m.group(2) for m in CHANNEL_NAME.finditer(value))
        for uid in sorted(uids, key=lambda u: (int(u.split(".")[1]), u)):
            self.name("uid", uid)
        for seq in sorted(seqs, key=lambda x: int(x, 16)):
            self.name("seq", seq)

    def name(self, kind: str, value: str) -> str:
        m = self.maps.setdefault(kind, {})
        if value not in m:
            m[value] = f"<{kind}{len(m) + 1}>"
        return m[value]

    def text(self, value: str) -> str:
        value = CHANNEL_NAME.sub(
            lambda m: m.group(1) + self.name("seq", m.group(2)) + (m.group(3) or ""), value
        )
        value = UUID.sub(lambda m: self.name("bridge", m.group(0)), value)
        return UNIQUEID.sub(lambda m: self.name("uid", m.group(1)), value)


@dataclass(frozen=True)
class Normal:
    """A message reduced to what must match, plus its timing fields for tolerant checks."""

    key: tuple[tuple[str, str], ...]
    timing: tuple[tuple[str, str], ...]
    source: AmiMessage


def normalise(msg: AmiMessage, ren: Renamer) -> Normal:
    out: list[tuple[str, str]] = []
    timing: list[tuple[str, str]] = []
    variable = msg.get("Variable") or ""
    for name, value in msg.headers:
        lname = name.lower()
        if lname in TIME_FIELDS:
            out.append((name, "<time>" if value else ""))
            continue
        if lname in EPOCH_FIELDS:
            out.append((name, "<time>" if value not in ("", "0") else value))
            continue
        if lname in SECONDS_FIELDS or (lname == "durationms" and msg.event in ("Cdr",)):
            out.append((name, "<seconds>"))
            timing.append((name, value))
            continue
        if lname == "value" and variable.rstrip("_MS") in TIMING_VARIABLES and value:
            out.append((name, "<seconds>"))
            timing.append((variable, value))
            continue
        if lname in ("localaddress", "remoteaddress"):
            value = re.sub(r"/\d+$", "/<port>", value)
        elif ID_FIELDS.search(name) and value not in ("", "<unknown>", "none"):
            kind = "bridge" if "bridge" in lname else "cmd" if lname == "commandid" else "id"
            if kind == "id" and UNIQUEID.fullmatch(value):
                value = ren.name("uid", value)
            else:
                value = ren.name(kind, value)
            out.append((name, value))
            continue
        elif lname == "value" and variable == "MIXMONITOR_FILENAME":
            value = "<spool>/" + Path(value).name
        elif lname == "output":
            value = re.sub(
                r"built by .* on a (\S+) running (\S+) on .*",
                r"built by <who> on a \1 running \2 on <date>",
                value,
            )
            value = re.sub(r"^\d+ (calls? processed)$", r"<n> \1", value)
        out.append((name, ren.text(value)))
    return Normal(tuple(out), tuple(timing), msg)


# --------------------------------------------------------------------------- comparing
RACY = {"Cdr", "DeviceStateChange", "OriginateResponse"}
KEY_FIELDS = ("Channel", "DestChannel", "LocalOneChannel", "LocalTwoChannel", "SpyerChannel", "SpyeeChannel")


def _keys(n: Normal) -> list[str]:
    d = dict(n.key)
    keys = [d[f] for f in KEY_FIELDS if d.get(f) and d[f] != "none"]
    if d.get("BridgeUniqueid"):
        keys.append(d["BridgeUniqueid"])
    return keys


def split(messages: Iterable[AmiMessage], ren: Renamer) -> tuple[list[Normal], list[Normal]]:
    """(replies to actions, broadcast events)."""
    replies: list[Normal] = []
    events: list[Normal] = []
    for msg in messages:
        n = normalise(msg, ren)
        is_list_item = msg.event is not None and (
            msg.event
            in (
                "CoreShowChannel",
                "CoreShowChannelsComplete",
                "StatusComplete",
                "QueueStatusComplete",
                "QueueSummaryComplete",
                "QueueParams",
                "QueueMember",
                "QueueEntry",
                "QueueSummary",
            )
            or (msg.event == "Status" and msg.get("Privilege") == "Call")
        )
        if (msg.response is not None and msg.event is None) or is_list_item:
            replies.append(n)
        else:
            events.append(n)
    return replies, events


def compare(expected_bytes: bytes, actual_bytes: bytes) -> list[str]:
    """Differences between a captured reply stream and the simulator's (empty: the same)."""
    problems: list[str] = []
    exp_msgs, act_msgs = parse_stream(expected_bytes), parse_stream(actual_bytes)
    exp_replies, exp_events = split(exp_msgs, Renamer(exp_msgs))
    act_replies, act_events = split(act_msgs, Renamer(act_msgs))
    problems += _compare_sequence("reply", exp_replies, act_replies)
    problems += _compare_events(exp_events, act_events)
    return problems


def _fmt(n: Normal) -> str:
    return " | ".join(f"{k}={v}" for k, v in n.key)


def _compare_sequence(what: str, exp: list[Normal], act: list[Normal]) -> list[str]:
    out = []
    for i, (e, a) in enumerate(zip(exp, act, strict=False)):
        if e.key != a.key:
            out.append(f"{what} #{i} differs:\n  real: {_fmt(e)}\n  sim:  {_fmt(a)}")
        else:
            out += _compare_timing(e, a)
    if len(exp) != len(act):
        out.append(f"{what}s: real has {len(exp)}, sim has {len(act)}")
        for extra in exp[len(act) :]:
            out.append(f"  missing in sim: {_fmt(extra)}")
        for extra in act[len(exp) :]:
            out.append(f"  extra in sim:   {_fmt(extra)}")
    return out


def _compare_timing(e: Normal, a: Normal) -> list[str]:
    out = []
    for (name, ev), (_, av) in zip(e.timing, a.timing, strict=False):
        try:
            if ":" in ev:
                ef = sum(int(x) * 60**i for i, x in enumerate(reversed(ev.split(":"))))
                af = sum(int(x) * 60**i for i, x in enumerate(reversed(av.split(":"))))
                tol = 1.0
            else:
                ef, af = float(ev), float(av)
                # a loaded machine stretches the simulator's timers a little (CI saw 6,434 ms
                # for a real 6,010): 300 ms or 10 % of the real figure, whichever is more
                tol = max(300.0, ef * 0.10) if name.endswith("_MS") else 1.0
        except ValueError:
            out.append(f"timing field {name}: {ev!r} vs {av!r}")
            continue
        if abs(ef - af) > tol:
            out.append(f"timing field {name}: real {ev}, sim {av} (in {_fmt(e)[:120]})")
    return out


def _compare_events(exp: list[Normal], act: list[Normal]) -> list[str]:
    out: list[str] = []

    def name(n: Normal) -> str:
        return dict(n.key).get("Event", "")

    def bag(items: list[Normal]) -> Counter[tuple[tuple[str, str], ...]]:
        return Counter(n.key for n in items if name(n) != "DeviceStateChange")

    exp_bag, act_bag = bag(exp), bag(act)
    for key, count in (exp_bag - act_bag).items():
        out.append(f"event missing in sim (x{count}): {' | '.join(f'{k}={v}' for k, v in key)}")
    for key, count in (act_bag - exp_bag).items():
        out.append(f"event extra in sim (x{count}): {' | '.join(f'{k}={v}' for k, v in key)}")
    dev_e = {n.key for n in exp if name(n) == "DeviceStateChange"}
    dev_a = {n.key for n in act if name(n) == "DeviceStateChange"}
    if dev_e != dev_a:
        out.append(f"DeviceStateChange states differ: real {sorted(dev_e)} sim {sorted(dev_a)}")
    if out:
        return out
    per_key_e: dict[str, list[Normal]] = {}
    per_key_a: dict[str, list[Normal]] = {}
    for items, table in ((exp, per_key_e), (act, per_key_a)):
        for n in items:
            if name(n) in RACY:
                continue
            for k in _keys(n):
                table.setdefault(k, []).append(n)
    for k in sorted(set(per_key_e) | set(per_key_a)):
        seq_e, seq_a = per_key_e.get(k, []), per_key_a.get(k, [])
        if [n.key for n in seq_e] != [n.key for n in seq_a]:
            out.append(f"order of events about {k} differs:")
            out += [f"  real: {name(n)}" for n in seq_e]
            out += [f"  sim:  {name(n)}" for n in seq_a]
        else:
            for e, a in zip(seq_e, seq_a, strict=True):
                out += _compare_timing(e, a)
    return out
