"""Handlers of two-channel events written out for one header layout: Dial* and LocalBridge (no I/O).

A ``DialBegin``/``DialState``/``DialEnd`` carries the caller's channel block and the ``Dest``
one, a ``LocalBridge`` its two Local halves (``LocalOne``, ``LocalTwo``): two snapshot blocks
per event, so the generic handler (:meth:`~cti.ami.state.CallState._on_dial`,
``_on_local_bridge``) reads two blocks by name and calls
:meth:`~cti.ami.channel_table.ChannelTable.touch` twice with keyword arguments, about twice a
one-channel event's cost (~15k of the bench's 200k events).  As for the one-channel events of
:mod:`cti.ami.written`, once a layout has been seen often one function is written out for it:
each block applied by a function of :func:`~cti.ami.written.channel_lines` (the block's values by
position, a new channel built only when a field differs), in the handler's order, so the same
changes.  A layout without one of the blocks: the Dial of an Originate has no caller (the
destination is then touched without ``dialed_by``); a LocalBridge needs both (else the handler).
"""

from __future__ import annotations

from cti.ami.written import Run, channel_lines, compiled

__all__ = ["PAIRS", "write_pair"]

PAIRS = frozenset({"dialbegin", "dialstate", "dialend", "localbridge"})


def _valid(index: dict[str, int], prefix: str) -> str:
    """The test that the block of ``prefix`` is a channel's (as ``EventFields.block`` tests it)."""
    uniqueid, channel = f"h[{index[prefix + 'uniqueid']}][1]", f"h[{index[prefix + 'channel']}][1]"
    return f"({uniqueid} and {channel} and {uniqueid} != 'none')"


def write_pair(name: str, lname: str, index: dict[str, int]) -> Run | None:
    """The handler of the two-channel event ``name`` written out for a layout (lower-case name ->
    position), compiled; None when the layout lacks what it needs (the handler is used then)."""
    if lname == "localbridge":
        one = channel_lines("one", ", peer", index, "localone", [("local_peer", "peer")])
        two = channel_lines("two", ", peer", index, "localtwo", [("local_peer", "peer")])
        if one is None or two is None:
            return None
        first, second = index["localone" + "uniqueid"], index["localtwo" + "uniqueid"]
        run = [
            "def run(table, h, event):",
            f"    if not ({_valid(index, 'localone')} and {_valid(index, 'localtwo')}):",
            "        return []",
            f"    return one(table, h, event, h[{second}][1]) + two(table, h, event, h[{first}][1])",
        ]
        return compiled([*one, *two, *run], name)
    status = f"h[{index['dialstatus']}][1]" if "dialstatus" in index else "''"
    caller = channel_lines("caller", ", status", index, "", [("dial_status", "status")])
    extras = [("dial_status", "status"), ("dialed_by", "by")]
    dest = channel_lines("dest", ", status, by", index, "dest", extras)
    alone = channel_lines("alone", ", status", index, "dest", extras[:1])  # no caller: no dialed_by
    run = ["def run(table, h, event):", f"    status = {status}"]
    if caller is None:  # an Originate's: never a caller
        run.append("    return alone(table, h, event, status)" if alone else "    return []")
    else:
        by = f"h[{index['uniqueid']}][1]"
        run.append(f"    if {_valid(index, '')}:")
        if dest is None:
            run.append("        return caller(table, h, event, status)")
        else:
            run.append(
                f"        return caller(table, h, event, status) + dest(table, h, event, status, {by})"
            )
        run.append("    return alone(table, h, event, status)" if alone else "    return []")
    return compiled([*(caller or []), *(dest or []), *(alone or []), *run], name)
