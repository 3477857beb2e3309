"""``Cdr`` events (cdr_manager), one per channel that is party A of a call record.

A channel dialled by ``Dial()`` is party B of its caller's record (``DestinationChannel``)
and gets no record of its own, as in Asterisk's CDR engine.  A channel that dialled several
parties in turn (``Queue()``) has one finished record per party besides its current one.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.channel import CdrRecord, Channel
    from sim.pbx import Pbx


def _fmt(ts: float | None) -> str:
    if ts is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def publish_cdr(pbx: Pbx, chan: Channel, finished: CdrRecord | None = None) -> None:
    """The channel's current record (ending now), or one of its ``finished`` records."""
    cdr = chan.cdr if finished is None else finished
    if cdr is None:
        return
    end = pbx.clock.now() if finished is None or finished.end is None else finished.end
    cdr.end = end
    disposition = cdr.disposition or ("ANSWERED" if cdr.answer is not None else "NO ANSWER")
    duration = int(end - cdr.start)
    billsec = int(end - cdr.answer) if cdr.answer is not None else 0
    num = chan.caller_num or ""
    name = chan.caller_name or ""
    pbx.bus.publish(
        "Cdr",
        "cdr",
        [
            ("AccountCode", chan.accountcode),
            ("Source", num),
            ("Destination", cdr.dst),
            ("DestinationContext", cdr.dcontext),
            ("CallerID", f'"{name}" <{num}>'),
            ("Channel", chan.name),
            ("DestinationChannel", cdr.dstchannel),
            ("LastApplication", cdr.lastapp),
            ("LastData", cdr.lastdata),
            ("StartTime", _fmt(cdr.start)),
            ("AnswerTime", _fmt(cdr.answer)),
            ("EndTime", _fmt(end)),
            ("Duration", str(duration)),
            ("BillableSeconds", str(billsec)),
            ("Disposition", disposition),
            ("AMAFlags", "DOCUMENTATION"),
            ("UniqueID", chan.uniqueid),
            ("UserField", ""),
        ],
    )
