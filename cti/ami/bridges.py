"""The bridge table of the call state model: each bridge Asterisk reports, with its channels (no I/O).

A bridge is created or refreshed from the bridge fields of a ``Bridge*`` event
(:meth:`BridgeTable.upsert`), gains and loses channels as they enter and leave it, and is
rebuilt from the ``BridgeId`` of each listed channel after a resync (:meth:`BridgeTable.rebuild`).
Every method appends what changed to the caller's list of :data:`~cti.ami.channels.Change`
values.  Bounded: at most ``max_bridges`` are kept (the oldest go first).

This table knows uniqueids only; keeping each channel's ``bridge_id`` in step is the channel
table's part (:mod:`cti.ami.channel_table`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import attrgetter

from cti.ami.channels import Bridge, BridgeAdded, BridgeRemoved, BridgeUpdated, Change
from cti.ami.events import known
from cti.ami.frozen import builder, replacer

__all__ = ["BridgeTable"]


class BridgeTable:
    def __init__(self, *, max_bridges: int) -> None:
        self.max_bridges = max_bridges
        self._bridges: dict[str, Bridge] = {}

    def get(self, bridge_id: str) -> Bridge | None:
        return self._bridges.get(bridge_id)

    def all(self) -> list[Bridge]:
        return list(self._bridges.values())

    def upsert(self, h: Mapping[str, str], changes: list[Change]) -> Bridge | None:
        """The bridge a ``Bridge*`` event names, created or refreshed from its fields."""
        bridge_id = h.get("bridgeuniqueid")
        if not bridge_id:
            return None
        old = self._bridges.get(bridge_id)
        base = old or Bridge(bridge_id)
        kind = h.get("bridgetype", base.type)
        technology = h.get("bridgetechnology", base.technology)
        name = known(h.get("bridgename", base.name))
        creator = known(h.get("bridgecreator", base.creator))
        if old is not None and (kind, technology, name, creator) == _refreshed(old):
            return old  # most events of a bridge: nothing of it changed, no new value built
        new = _replaced(base, {"type": kind, "technology": technology, "name": name, "creator": creator})
        if old is None:
            if len(self._bridges) >= self.max_bridges:
                self._bridges.pop(next(iter(self._bridges)))
            self._bridges[bridge_id] = new
            changes.append(_added(new))
        else:
            self._bridges[bridge_id] = new
            changes.append(_updated(old, new))
        return new

    def add_member(self, bridge_id: str, uniqueid: str, changes: list[Change]) -> None:
        bridge = self._bridges.get(bridge_id)
        if bridge is not None and uniqueid not in bridge.channels:
            after = _replaced(bridge, {"channels": (*bridge.channels, uniqueid)})
            self._bridges[bridge_id] = after
            changes.append(_updated(bridge, after))

    def drop_member(self, bridge_id: str, uniqueid: str, changes: list[Change]) -> None:
        bridge = self._bridges.get(bridge_id)
        if bridge is not None and uniqueid in bridge.channels:
            after = _replaced(bridge, {"channels": tuple(u for u in bridge.channels if u != uniqueid)})
            self._bridges[bridge_id] = after
            changes.append(_updated(bridge, after))

    def destroy(self, bridge_id: str) -> Bridge | None:
        """Forget the bridge (``BridgeDestroy``); the caller clears its channels' ``bridge_id``."""
        return self._bridges.pop(bridge_id, None)

    def rebuild(self, members: Mapping[str, Sequence[str]], changes: list[Change]) -> None:
        """After a resync: exactly the bridges in ``members`` (bridge id -> listed uniqueids),
        each keeping the order of the channels it already had."""
        for bridge_id in [b for b in self._bridges if b not in members]:
            changes.append(BridgeRemoved(self._bridges.pop(bridge_id)))
        for bridge_id, uniqueids in members.items():
            old = self._bridges.get(bridge_id)
            kept = [u for u in old.channels if u in uniqueids] if old else []
            channels = (*kept, *(u for u in uniqueids if u not in kept))
            new = _replaced(old or Bridge(bridge_id), {"channels": channels})
            if old is None:
                changes.append(BridgeAdded(new))
            elif new != old:
                changes.append(BridgeUpdated(old, new))
            self._bridges[bridge_id] = new


# dataclasses.replace() and the frozen __init__ of Bridge values, without their per-call field walk
_replaced = replacer(Bridge)  # (bridge, {field: value}) -> dataclasses.replace(bridge, **fields)
_added = builder(BridgeAdded)
_refreshed = attrgetter("type", "technology", "name", "creator")  # what upsert refreshes
_updated = builder(BridgeUpdated)
