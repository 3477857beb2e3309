"""The BridgeEnter and BridgeLeave handlers written out for one header layout (no I/O).

A ``BridgeEnter``/``BridgeLeave`` (~10k of the bench's 200k events, 15-18 µs each, the dearest)
goes through :class:`~cti.ami.event_fields.EventFields` and
:meth:`~cti.ami.state.CallState._on_bridge`: the bridge refreshed
(:meth:`~cti.ami.bridges.BridgeTable.upsert`), then its channel's block read by name and applied
through :meth:`~cti.ami.channel_table.ChannelTable.touch` with keyword arguments.  Once its
layout has been seen often (:func:`cti.ami.written.seen`), one function written out for it does
the same steps in the same order: the bridge's fields handed to ``upsert`` as a dict of the
names the layout has, the channel's block applied by a one-block function of
:func:`~cti.ami.written.channel_lines` (values by position), the membership changed as the
handler changes it.
"""

from __future__ import annotations

from cti.ami.written import Run, channel_lines, compiled

__all__ = ["write_bridge"]

_BRIDGE = ("bridgeuniqueid", "bridgetype", "bridgetechnology", "bridgename", "bridgecreator")


def write_bridge(name: str, lname: str, index: dict[str, int]) -> Run | None:
    """The handler of ``BridgeEnter`` or ``BridgeLeave`` for a layout (lower-case name ->
    position), compiled; None without a bridge id or a channel's block (the handler then)."""
    enter = lname == "bridgeenter"
    part = channel_lines(
        "part", ", bridge_id" if enter else "", index, "", [("bridge_id", "bridge_id")] if enter else []
    )
    if part is None or "bridgeuniqueid" not in index:
        return None
    fields = ", ".join(f"{n!r}: h[{index[n]}][1]" for n in _BRIDGE if n in index)
    uniqueid, channel = f"h[{index['uniqueid']}][1]", f"h[{index['channel']}][1]"
    lines = [
        "def run(table, h, event):",
        "    changes = []",
        "    bridges = table._bridges",
        f"    bridge = bridges.upsert({{{fields}}}, changes)",
        "    if bridge is None:",
        "        return changes",
        f"    uniqueid, channel = {uniqueid}, {channel}",
        "    if not uniqueid or not channel or uniqueid == 'none':",
        "        return changes",
    ]
    if enter:
        lines += [
            "    old = table._channels.get(uniqueid)",
            "    if old is not None and old.bridge_id is not None and old.bridge_id != bridge.id:",
            "        bridges.drop_member(old.bridge_id, uniqueid, changes)",
            "    changes += part(table, h, event, bridge.id)",
            "    bridges.add_member(bridge.id, uniqueid, changes)",
        ]
    else:
        lines += [
            "    changes += part(table, h, event)",
            "    if table._channels[uniqueid].bridge_id == bridge.id:",
            "        table.change(uniqueid, event, changes, bridge_id=None)",
            "    bridges.drop_member(bridge.id, uniqueid, changes)",
        ]
    return compiled([*part, *lines, "    return changes"], name)
