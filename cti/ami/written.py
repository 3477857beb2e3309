"""Channel-event handlers written out for one event name and one header layout (no I/O).

:meth:`cti.ami.state.CallState.apply` finds a handler by event name and reads the event through
:class:`~cti.ami.event_fields.EventFields`: about a dozen Python calls per event.  Asterisk
writes every event of one kind with the same header names in the same order, so once one event
name has been seen :data:`WRITE_OUT_AFTER` times with one layout (:class:`~cti.ami.event_fields`),
:func:`seen` writes out (compiles) one function for that pair, :class:`Written`, which does in one
frame what the handler does: the values by position, and when the channel's snapshot block is the
one it was last refreshed from (the common case: most events of a channel repeat its block), the
event's own fields compared with the channel's and a new :class:`~cti.ami.channels.Channel` built
only when one of them differs.  Another block (a new state, priority...: a third of the events)
has the snapshot fields its differing values feed read again, as
:meth:`~cti.ami.channel_table.ChannelTable.touch` reads them (:data:`~cti.ami.events.BLOCK_FIELDS`),
in the same frame: touch's keyword arguments, field dict and field-by-field replace cost more than
the rest of the event.  A new channel, or one no block describes, goes the long way (touch).

Written out only for the handlers of :data:`KINDS` (a snapshot event, ``Newexten``, ``VarSet``,
the flags, DTMF), and only for a layout that has the whole channel block and the names the
handler reads; every other event, and every event until its layout has been seen often, takes
the handler (an odd or made-up layout pays no compiling).  The same results and changes as the
handler's (``tests/cti/ami/test_written.py`` feeds the same streams both ways).  The two-channel
events (Dial*, LocalBridge) are written out by :mod:`cti.ami.written_pairs` from the same
one-block functions (:func:`channel_lines`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from cti.ami.channel_table import ChannelTable
from cti.ami.channels import Change, Channel, ChannelRemoved, ChannelUpdated, DtmfDigit
from cti.ami.event_fields import MAX_LAYOUTS, EventFields
from cti.ami.events import BLOCK_FIELDS, SnapshotValues, to_int
from cti.ami.frozen import builder, twin

__all__ = [
    "KINDS",
    "LAYOUTS_PER_NAME",
    "WRITE_OUT_AFTER",
    "Run",
    "Written",
    "channel_lines",
    "compiled",
    "seen",
]

WRITE_OUT_AFTER = 64
LAYOUTS_PER_NAME = 4  # written-out layouts kept per event name (each tried in turn)

Headers = tuple[tuple[str, str], ...]
Run = Callable[[ChannelTable, Headers, str], list[Change]]
Writer = Callable[[str, str, dict[str, int]], Run | None]  # (name, lower-case name, layout index)


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
    "varset": (),  # variables: see write
    "dtmfbegin": (),  # a DtmfDigit after the channel: see write
    "dtmfend": (),
}

_CHANNEL_FIELDS = [f.name for f in fields(Channel)]
# Channel field -> the positions of a block's values it is read from, and how it is read
# (ChannelTable.touch reads a field again only where those values differ from the last block's)
_FED_BY: dict[str, list[int]] = {}
_READ: dict[str, Callable[[SnapshotValues], Any]] = {}
for _position, (_field, _read) in enumerate(BLOCK_FIELDS):
    _FED_BY.setdefault(_field, []).append(_position)
    _READ[_field] = _read
_SCOPE: dict[str, Any] = {
    "_new": tuple.__new__,
    "_Values": SnapshotValues,
    "_make": object.__new__,
    "_draft": twin(Channel),
    "_Channel": Channel,
    "_updated": builder(ChannelUpdated),
    "_dtmf": builder(DtmfDigit),
    "_removed": builder(ChannelRemoved),
    "_to_int": to_int,
}


def write(name: str, lname: str, index: dict[str, int]) -> Run | None:
    """The source of the handler of ``name`` for a layout (lower-case name -> position), compiled;
    None when the layout lacks a name it needs (the handler is used then)."""
    if lname == "varset" and "variable" not in index:
        return None  # never a variable: nothing to write out

    def header(lower: str, absent: str) -> str:
        return f"h[{index[lower]}][1]" if lower in index else absent

    extras: list[tuple[str, str]] = []  # field -> the expression of its new value
    for field, lower, absent, expr in KINDS[lname]:
        if lower is not None and lower not in index:
            if not absent:  # a value set only when the header is there (HangupRequest's cause)
                continue
            extras.append((field, absent))
        else:
            extras.append((field, absent if lower is None else expr.format(header(lower, absent))))
    tail = None
    if lname in ("dtmfbegin", "dtmfend"):
        end = lname == "dtmfend"
        duration = f"_to_int({header('durationms', 'None')}, 0)" if end else "None"
        digit, direction = header("digit", "''"), header("direction", "''")
        tail = f"_dtmf(channel, {digit}, {direction}, {end}, {duration})"
    variable = (header("variable", "None"), header("value", repr(""))) if lname == "varset" else None
    lines = channel_lines("run", "", index, "", extras, variable=variable, tail=tail)
    return None if lines is None else compiled(lines, name)


def compiled(lines: list[str], name: str) -> Run:
    """The function ``run`` of ``lines`` (it and the functions of :func:`channel_lines` it calls)."""
    scope = dict(_SCOPE)
    scope.update((f"_read_{field}", read) for field, read in _READ.items())
    exec(compile("\n".join(lines), f"<cti.ami.written {name}>", "exec"), scope)  # positions only
    run: Run = scope["run"]
    return run


def channel_lines(
    function: str,
    parameters: str,
    index: dict[str, int],
    prefix: str,
    extras: list[tuple[str, str]],
    *,
    variable: tuple[str, str] | None = None,
    tail: str | None = None,
) -> list[str] | None:
    """The source of ``function(table, h, event<parameters>)``, which applies the channel block
    of ``prefix`` of a layout (lower-case name -> position) with ``extras`` (field -> the
    expression of its new value, as ``touch``'s keyword arguments) and returns the changes; None
    when the layout has no such block.  ``variable``: the expressions of a VarSet's name and
    value; ``tail``: a last change, of ``channel``."""
    found = [index.get(prefix + n) for n in SnapshotValues._fields]  # uniqueid, channel, channelstate, ...
    if None in found[:3]:
        return None  # never a channel's block
    # the block's values, by position: locals (None where the layout has no such header)
    values = [
        "uniqueid",
        "channel",
        *("None" if p is None else f"s{n}" for n, p in enumerate(found) if n >= 2),
    ]
    others = [f"{values[n]} = h[{p}][1]" for n, p in enumerate(found) if n >= 2 and p is not None]
    lines = [
        f"def {function}(table, h, event{parameters}):",
        f"    uniqueid, channel = h[{found[0]}][1], h[{found[1]}][1]",
        "    if not uniqueid or not channel or uniqueid == 'none':",
        "        return []",
        *(f"    {line}" for line in others),
        f"    block = _new(_Values, ({', '.join(values)}))",
    ]
    locals_: list[tuple[str, str]] = []  # field -> local holding its new value
    for number, (field, value) in enumerate(extras):
        lines.append(f"    v{number} = {value}")
        locals_.append((field, f"v{number}"))
    if variable is not None:
        lines += [f"    name = {variable[0]}", "    if not name:", "        return []"]
        lines.append(f"    value = {variable[1]}")
    lines += [
        "    old = table._channels.get(uniqueid)",
        "    before = None if old is None else table._blocks.get(uniqueid)",
        "    if before is None:",  # a new channel, or one no block describes: the long way
        "        changes = []",
    ]
    if variable is not None:
        lines.append("        variables = table.with_variable(old.variables if old else (), name, value)")
        locals_.append(("variables", "variables"))
    keywords = "".join(f", {field}={local}" for field, local in locals_)
    lines.append(f"        channel = table.touch(block, event, changes{keywords})")
    if tail is not None:
        lines.append(f"        changes.append({tail})")
    lines.append("        return changes")
    if variable is not None:
        lines.append("    variables = table.with_variable(old.variables, name, value)")
    # the block is the one the channel was last refreshed from: only the event's own fields can change
    lines.append("    if before == block:")
    lines += ["    " + line for line in _update(locals_, tail, {})]
    # another block: the snapshot fields its differing values feed are read again, as touch reads them
    lines.append("    table._blocks[uniqueid] = block")
    fresh: dict[str, str] = {}
    for field, positions in _FED_BY.items():
        same = " and ".join(f"{values[p]} == before[{p}]" for p in positions)
        lines.append(f"    f_{field} = old.{field} if {same} else _read_{field}(block)")
        fresh[field] = f"f_{field}"
    return lines + _update([*fresh.items(), *locals_], tail, fresh)


def _update(extras: list[tuple[str, str]], tail: str | None, fresh: dict[str, str]) -> list[str]:
    """The lines that end ``run`` once the channel's new field values are in locals (``extras``:
    field -> local): nothing when none differs from the old channel's, else a new channel (built
    field by field) stored in its place; then the changes (``tail``: a last one, of the channel).
    Any of ``fresh`` (the snapshot fields read again) that changed has the channel reindexed."""

    def ne(field: str, local: str) -> str:
        if field in fresh:  # mostly the old value itself: no __eq__ call (a Party's is in Python)
            return f"({local} is not old.{field} and old.{field} != {local})"
        return f"old.{field} != {local}"

    differs = " or ".join(ne(field, local) for field, local in extras)
    if not differs:
        return [f"    return [{tail.replace('channel', 'old', 1)}]" if tail else "    return []"]
    new = {field: f"{local} if {ne(field, local)} else old.{field}" for field, local in extras}
    lines = [
        f"    if not ({differs}):",
        f"        return [{tail.replace('channel', 'old', 1)}]" if tail else "        return []",
        "    draft = _make(_draft)",
        *(f"    draft.{f} = {new.get(f, f'old.{f}')}" for f in _CHANNEL_FIELDS),
        "    draft.__class__ = _Channel",
    ]
    if "name" in fresh or "linkedid" in fresh:  # what the name and call indexes follow
        lines += [
            "    if draft.name != old.name or draft.linkedid != old.linkedid:",
            "        table._reindex(old, draft)",
            "    else:",
            "        table._channels[uniqueid] = draft",
        ]
    else:
        lines.append("    table._channels[uniqueid] = draft")
    changes = "_updated(old, draft, event)" + (", " + tail.replace("channel", "draft", 1) if tail else "")
    return [*lines, f"    return [{changes}]"]


# (event name as written, its layout) -> events seen so far, or the handler written out for them
# (None: not writable)
_SEEN: dict[tuple[str, object], int | Written | None] = {}


def seen(name: str, lname: str, event: EventFields, written: dict[str, list[Written]], write: Writer) -> None:
    """Count an event of ``name`` (``lname`` lower-cased, one of :data:`KINDS`, or one ``write``
    writes out) handled the long way; once its layout has been seen :data:`WRITE_OUT_AFTER` times,
    add the handler ``write`` writes out for it to ``written`` (by event name: at most
    :data:`LAYOUTS_PER_NAME` of them, the oldest forgotten first, as one event name may come in a
    few layouts, each often)."""
    layout = event.layout
    key = (name, layout)
    entry = _SEEN.get(key, 0)
    if isinstance(entry, int):
        if entry + 1 < WRITE_OUT_AFTER:
            if len(_SEEN) >= MAX_LAYOUTS:
                _SEEN.clear()
            _SEEN[key] = entry + 1
            return
        run = write(name, lname, layout.index)
        entry = _SEEN[key] = None if run is None else Written(layout.name_list, run)
    if entry is not None:
        if len(written) >= MAX_LAYOUTS:
            written.clear()
        layouts = written.setdefault(name, [])
        if entry not in layouts:
            layouts.append(entry)
            del layouts[:-LAYOUTS_PER_NAME]
