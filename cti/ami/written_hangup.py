"""The Hangup handler written out for one header layout (no I/O).

A ``Hangup`` (~9k of the bench's 200k events, ~10 µs each) goes through
:class:`~cti.ami.event_fields.EventFields` and :meth:`~cti.ami.state.CallState._on_hangup`: the
layout found, the uniqueid, block, cause and cause text read by name.  Once its layout has been
seen often (:func:`cti.ami.written.seen`), one function written out for it takes them by
position and does what the handler does, in the same order: the channel settled from its last
block (:meth:`~cti.ami.channel_table.ChannelTable.settle`, so its ``ChannelRemoved`` carries the
last snapshot), removed, and a ``ChannelRemoved`` built with the cause.
"""

from __future__ import annotations

from cti.ami.events import SnapshotValues
from cti.ami.written import Run, compiled

__all__ = ["write_hangup"]


def write_hangup(name: str, lname: str, index: dict[str, int]) -> Run | None:
    """The Hangup handler for a layout (lower-case name -> position), compiled."""

    def header(lower: str, absent: str) -> str:
        return f"h[{index[lower]}][1]" if lower in index else absent

    found = [index.get(n) for n in ("uniqueid", "channel", "channelstate")]
    lines = ["def run(table, h, event):", f"    uniqueid = {header('uniqueid', repr(''))}"]
    if None not in found:  # the layout has a channel's block (else the handler's block() is None)
        positions = [index.get(n) for n in _FIELDS]
        values = ", ".join("None" if p is None else f"h[{p}][1]" for p in positions)
        lines += [
            f"    channel = h[{found[1]}][1]",
            "    if uniqueid and channel and uniqueid != 'none':",
            f"        table.settle(_new(_Values, ({values})))",
        ]
    cause = f"_to_int(h[{index['cause']}][1], 0)" if "cause" in index else "None"
    lines += [
        "    changes = []",
        "    channel = table.remove(uniqueid, changes)",
        "    if channel is None:",
        "        table._stats.unknown_channel += 1",
        "        return changes",
        f"    changes.append(_removed(channel, event, {cause}, {header('cause-txt', repr(''))}, False))",
        "    return changes",
    ]
    return compiled(lines, name)


_FIELDS = SnapshotValues._fields
