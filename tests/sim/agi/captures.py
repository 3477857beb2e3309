"""Recorded FastAGI sessions with the real Asterisk 22.10.1, as command/reply pairs.

``recorded/agi_0*.{txt,recv.bin,sent.bin}`` are copies of ``../shared/asterisk/captures``
(the ``.txt`` gives the chunk order and lengths, the ``.bin`` files the exact bytes);
``recorded/extra_0*.json`` were recorded the same way for this package (see their
``description``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

RECORDED = Path(__file__).parent / "recorded"
_HEADER = re.compile(r"^=== (SEND|RECV) t=([0-9.]+) len=([0-9]+)$", re.M)


@dataclass
class Exchange:
    send: bytes
    recv: bytes
    dtmf: str = ""
    hangup_before: bool = False


@dataclass
class Recording:
    environment: bytes
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def reply_stream(self) -> bytes:
        return b"".join(e.recv for e in self.exchanges)


def capture(name: str) -> Recording:
    """A shared capture (``agi_01_fastagi_session``) cut at each command we sent."""
    text = (RECORDED / f"{name}.txt").read_text()
    recv = (RECORDED / f"{name}.recv.bin").read_bytes()
    sent = (RECORDED / f"{name}.sent.bin").read_bytes()
    rpos = spos = 0
    rec = Recording(b"")
    for m in _HEADER.finditer(text):
        n = int(m.group(3))
        if m.group(1) == "SEND":
            rec.exchanges.append(Exchange(sent[spos : spos + n], b""))
            spos += n
        else:
            chunk = recv[rpos : rpos + n]
            rpos += n
            if rec.exchanges:
                rec.exchanges[-1].recv += chunk
            else:
                rec.environment += chunk
    assert rpos == len(recv) and spos == len(sent), "capture .txt and .bin disagree"
    return rec


def recorded(name: str) -> Recording:
    """One of our ``extra_*.json`` recordings."""
    data = json.loads((RECORDED / f"{name}.json").read_text())
    rec = Recording(data["environment"].encode())
    for e in data["exchanges"]:
        rec.exchanges.append(
            Exchange(e["send"].encode(), e["recv"].encode(), e.get("dtmf", ""), e.get("hangup_before", False))
        )
    return rec
