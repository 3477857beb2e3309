"""Channel-event handlers written out for one event name and one header layout (no I/O).

:meth:`cti.ami.state.CallState.apply` finds a handler by event name and reads the event through
:class:`~cti.ami.event_fields.EventFields`: about a dozen Python calls per event.  Asterisk
writes every event of one kind with the same header names in the same order, so once one event
name has been seen :data:`WRITE_OUT_AFTER` times with one layout (:class:`~cti.ami.event_fields`),
:func:`seen` writes out (compiles) one function for that pair, :class:`Written`, which does in one
frame what the handler does: the values by position, and when the channel's snapshot block is the
one it was last refreshed from (the common case: most events of a channel repeat its block), the
event's own fields compared with the channel's and a new :class:`~cti.ami.channels.Channel` built
only when one of them differs.  A new channel or a changed block goes the long way
(:meth:`~cti.ami.channel_table.ChannelTable.touch`), as the handler would.

Written out only for the handlers of :data:`KINDS` (a snapshot event, ``Newexten``, ``VarSet``,
the flags, DTMF), and only for a layout that has the whole channel block and the names the
handler reads; every other event, and every event until its layout has been seen often, takes
the handler (an odd or made-up layout pays no compiling).  The same results and changes as the
handler's (``tests/cti/ami/test_written.py`` feeds the same streams both ways).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from cti.ami.channel_table import ChannelTable
from cti.ami.channels import Change, Channel, ChannelUpdated, DtmfDigit
from cti.ami.event_fields import MAX_LAYOUTS, EventFields
from cti.ami.events import SnapshotValues, to_int
from cti.ami.frozen import builder, twin

__all__ = ["KINDS", "WRITE_OUT_AFTER", "Written", "seen"]

WRITE_OUT_AFTER = 64

Headers = tuple[tuple[str, str], ...]
Run = Callable[[ChannelTable, Headers, str], list[Change]]


class Written:
    """A handler written out for one layout: ``run`` applies an event whose header names are
    ``names`` (as a list: what an event's names are compared with)."""

    __slots__ = ("names", "run")

    def __init__(self, names: list[str], run: Run) -> None:
        self.names = names
        self.run = run


# lower-case event name -> what its handler sets on the channel besides its snapshot: field ->
# (header read, the value when the header is absent, how the value is made from the header's)
_Extra = tuple[str, str | None, str, str]  # field, lower-case header (None: constant), absent, expr
KINDS: dict[str, tuple[_Extra, ...]] = {
    **dict.fromkeys(
        ("newchannel", "newstate", "newcallerid", "newconnectedline", "newaccountcode", "mixmonitormute"), ()
    ),
    "newexten": (("application", "application", "''", "{}"), ("app_data", "appdata", "''", "{}")),
    "musiconholdstart": (("on_hold", None, "True", ""), ("moh_class", "class", "''", "{}")),
    "musiconholdstop": (("on_hold", None, "False", ""),),
    "mixmonitorstart": (("recording", None, "True", ""),),
    "mixmonitorstop": (("recording", None, "False", ""),),
    **dict.fromkeys(
        ("hanguprequest", "softhanguprequest"),
        (("hangup_requested", None, "True", ""), ("hangup_cause", "cause", "", "_to_int({}, 0)")),
    ),
    "varset": (),  # variables: see _write
    "dtmfbegin": (),  # a DtmfDigit after the channel: see _write
    "dtmfend": (),
}

_CHANNEL_FIELDS = [f.name for f in fields(Channel)]
_SCOPE: dict[str, Any] = {
    "_new": tuple.__new__,
    "_Values": SnapshotValues,
    "_make": object.__new__,
    "_draft": twin(Channel),
    "_Channel": Channel,
    "_updated": builder(ChannelUpdated),
    "_dtmf": builder(DtmfDigit),
    "_to_int": to_int,
}


def _write(name: str, lname: str, index: dict[str, int]) -> Run | None:
    """The source of the handler of ``name`` for a layout (lower-case name -> position), compiled;
    None when the layout lacks a name it needs (the handler is used then)."""
    found = [index.get(n) for n in SnapshotValues._fields]  # uniqueid, channel, channelstate, ...
    if None in found[:3] or (lname == "varset" and "variable" not in index):
        return None  # never a channel's block / never a variable: nothing to write out
    uniqueid, channel, *others = ("None" if p is None else f"h[{p}][1]" for p in found)

    def header(lower: str, absent: str) -> str:
        return f"h[{index[lower]}][1]" if lower in index else absent

    lines = [
        "def run(table, h, event):",
        f"    uniqueid, channel = {uniqueid}, {channel}",
        "    if not uniqueid or not channel or uniqueid == 'none':",
        "        return []",
        f"    block = _new(_Values, (uniqueid, channel, {', '.join(others)}))",
    ]
    extras: list[tuple[str, str]] = []  # field -> local holding its new value
    for number, (field, lower, absent, expr) in enumerate(KINDS[lname]):
        if lower is not None and lower not in index:
            if not absent:  # a value set only when the header is there (HangupRequest's cause)
                continue
            value = absent
        else:
            value = absent if lower is None else expr.format(header(lower, absent))
        lines.append(f"    v{number} = {value}")
        extras.append((field, f"v{number}"))
    if lname == "varset":
        lines += [f"    name = {header('variable', 'None')}", "    if not name:", "        return []"]
        lines.append(f"    value = {header('value', repr(''))}")
    lines += [
        "    old = table._channels.get(uniqueid)",
        "    if old is None or table._blocks.get(uniqueid) != block:",
        "        changes = []",
    ]
    if lname == "varset":
        lines.append("        variables = table.with_variable(old.variables if old else (), name, value)")
        extras.append(("variables", "variables"))
    keywords = "".join(f", {field}={local}" for field, local in extras)
    lines.append(f"        channel = table.touch(block, event, changes{keywords})")
    tail = None
    if lname in ("dtmfbegin", "dtmfend"):
        end = lname == "dtmfend"
        duration = f"_to_int({header('durationms', 'None')}, 0)" if end else "None"
        digit, direction = header("digit", "''"), header("direction", "''")
        tail = f"_dtmf(channel, {digit}, {direction}, {end}, {duration})"
        lines.append(f"        changes.append({tail})")
    lines.append("        return changes")
    if lname == "varset":
        lines.append("    variables = table.with_variable(old.variables, name, value)")
    # the block is the one the channel was last refreshed from: only the event's own fields can change
    if extras:
        differs = " or ".join(f"old.{field} != {local}" for field, local in extras)
        lines += [f"    if not ({differs}):", f"        return [{tail}]" if tail else "        return []"]
        new = {field: f"{local} if old.{field} != {local} else old.{field}" for field, local in extras}
        lines += [
            "    draft = _make(_draft)",
            *(f"    draft.{f} = {new.get(f, f'old.{f}')}" for f in _CHANNEL_FIELDS),
            "    draft.__class__ = _Channel",
            "    table._channels[uniqueid] = draft",
        ]
        changes = "_updated(old, draft, event)" + (", " + tail.replace("channel", "draft", 1) if tail else "")
        lines.append(f"    return [{changes}]")
    else:
        lines.append(f"    return [{tail.replace('channel', 'old', 1)}]" if tail else "    return []")
    scope = dict(_SCOPE)
    exec(compile("\n".join(lines), f"<cti.ami.written {name}>", "exec"), scope)  # positions only
    run: Run = scope["run"]
    return run


# (event name as written, its layout) -> events seen so far, or the handler written out for them
# (None: not writable)
_SEEN: dict[tuple[str, object], int | Written | None] = {}


def seen(name: str, lname: str, event: EventFields, written: dict[str, Written]) -> None:
    """Count an event of ``name`` (``lname`` lower-cased, one of :data:`KINDS`) handled the long
    way; once its layout has been seen :data:`WRITE_OUT_AFTER` times, put the handler written out
    for it in ``written`` (by event name)."""
    layout = event.layout
    key = (name, layout)
    entry = _SEEN.get(key, 0)
    if isinstance(entry, int):
        if entry + 1 < WRITE_OUT_AFTER:
            if len(_SEEN) >= MAX_LAYOUTS:
                _SEEN.clear()
            _SEEN[key] = entry + 1
            return
        run = _write(name, lname, layout.index)
        entry = _SEEN[key] = None if run is None else Written(layout.name_list, run)
    if entry is not None:
        if len(written) >= MAX_LAYOUTS:
            written.clear()
        written[name] = entry
