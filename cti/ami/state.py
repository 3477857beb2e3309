"""The call state model: channels and bridges as Asterisk reports them, built only from AMI events (no I/O).

:meth:`CallState.apply` takes one event and returns what changed, as
:data:`~cti.ami.channels.Change` values; this module holds one handler per event name, which
reads the event's fields and says what it means for the tables.  The tables keep themselves
consistent: :mod:`cti.ami.channel_table` (channels, found by uniqueid, name and call; adoption
from snapshots; bounds) and :mod:`cti.ami.bridges` (bridges and their channels).
``CoreShowChannel`` events, closed by ``CoreShowChannelsComplete`` with the same ActionID,
replace the tables after a reconnect (:mod:`cti.ami.resync`).

Events arrive in wire order and every channel event carries a full channel snapshot (see
:mod:`cti.ami.events`), so a channel we have not seen yet is adopted from the first event that
mentions it.  A hung-up channel is removed at once.  A "call" is every channel sharing one
``Linkedid``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from cti.ami.bridges import BridgeTable
from cti.ami.channel_table import ChannelTable
from cti.ami.channels import (
    Bridge,
    BridgeRemoved,
    CdrRecorded,
    Change,
    Channel,
    ChannelRemoved,
    DtmfDigit,
    OriginateFinished,
    StateStats,
)
from cti.ami.event_fields import EventFields
from cti.ami.events import CdrRecord, OriginateOutcome, to_int
from cti.ami.frozen import builder
from cti.ami.protocol import AmiMessage
from cti.ami.resync import Resync
from cti.ami.written import KINDS, Writer, Written, seen, write
from cti.ami.written_bridges import write_bridge
from cti.ami.written_hangup import write_hangup
from cti.ami.written_pairs import PAIRS, write_pair

__all__ = ["CallState"]

Handler = Callable[["CallState", EventFields, str], list[Change]]


class CallState:
    """The channel and bridge tables, fed by :meth:`apply`."""

    def __init__(
        self, *, max_channels: int = 50_000, max_variables: int = 64, clock: Callable[[], float] = time.time
    ) -> None:
        self.stats = StateStats()
        self._bridges = BridgeTable(max_bridges=max_channels)
        self._channels = ChannelTable(
            self._bridges, self.stats, max_channels=max_channels, max_variables=max_variables, clock=clock
        )
        self._resync = Resync(self._channels, self._bridges, self.stats)

    # -- queries ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._channels)

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._channels)

    def channel(self, uniqueid: str) -> Channel | None:
        return self._channels.get(uniqueid)

    def channel_by_name(self, name: str) -> Channel | None:
        return self._channels.by_name(name)

    def call(self, linkedid: str) -> list[Channel]:
        """Every channel of one call (sharing ``linkedid``), oldest first."""
        return self._channels.call(linkedid)

    def linkedids(self) -> list[str]:
        return self._channels.linkedids()

    def bridge(self, bridge_id: str) -> Bridge | None:
        return self._bridges.get(bridge_id)

    def bridges(self) -> list[Bridge]:
        return self._bridges.all()

    def bridge_peers(self, uniqueid: str) -> list[Channel]:
        """The other channels in the bridge ``uniqueid`` is in."""
        channel = self._channels.get(uniqueid)
        if channel is None or channel.bridge_id is None:
            return []
        bridge = self._bridges.get(channel.bridge_id)
        if bridge is None:
            return []
        return [self._channels[u] for u in bridge.channels if u != uniqueid and u in self._channels]

    def pbx_started(self, started: str | None) -> None:
        """When the Asterisk of a new session started (``CoreStatus``), before its channels are
        listed: a restart cuts the calls the listing drops (see :mod:`cti.ami.resync`)."""
        self._resync.pbx_started(started)

    # -- events -----------------------------------------------------------------------------
    def apply(self, event: AmiMessage) -> list[Change]:
        headers = event.headers
        first = headers[0] if headers else ("", "")
        if first[0] == "Event":  # a handler written out for the event's name and layout, if any
            layouts = _WRITTEN.get(first[1])
            if layouts is not None:
                names = [n for n, _ in headers]
                for written in layouts:
                    if written.names == names:
                        self.stats.events += 1
                        return written.run(self._channels, headers, first[1])
        fields = None
        if first[0] == "Event" or first[0].lower() == "event":  # as Asterisk writes them: an
            name: str | None = first[1]  # event nobody handles is not read any further
        else:
            fields = EventFields(event)
            name = fields.get("event")
        if name is None:
            return []
        self.stats.events += 1
        handler = _handler_for(name)
        if handler is None:
            self.stats.ignored += 1
            return []
        fields = EventFields(event) if fields is None else fields
        if handler in _WRITABLE:
            lname = name.lower()
            write = _WRITERS.get(lname)  # BridgeCreate and BridgeDestroy share BridgeEnter's handler
            if write is not None:
                seen(name, lname, fields, _WRITTEN, write)
        return handler(self, fields, name)

    # -- handlers (one per event name; see _HANDLERS) ---------------------------------------
    def _on_snapshot(self, h: EventFields, event: str) -> list[Change]:
        block = h.block()
        changes: list[Change] = []
        if block is not None:
            self._channels.touch(block, event, changes)
        return changes

    def _on_newexten(self, h: EventFields, event: str) -> list[Change]:
        block = h.block()
        changes: list[Change] = []
        if block is not None:
            app, data = h.get("application", ""), h.get("appdata", "")
            self._channels.touch(block, event, changes, application=app, app_data=data)
        return changes

    def _on_varset(self, h: EventFields, event: str) -> list[Change]:
        block = h.block()  # None for a global variable ("Channel: none")
        name = h.get("variable")
        changes: list[Change] = []
        if block is None or not name:
            return changes
        old = self._channels.get(block.uniqueid)
        variables = self._channels.with_variable(old.variables if old else (), name, h.get("value", ""))
        self._channels.touch(block, event, changes, variables=variables)
        return changes

    def _on_flag(self, h: EventFields, event: str) -> list[Change]:
        """Events that switch a flag on one channel: hold, recording, hang-up requested."""
        block = h.block()
        changes: list[Change] = []
        if block is not None:
            self._channels.touch(block, event, changes, **_FLAGS[event.lower()](h))
        return changes

    def _on_rename(self, h: EventFields, event: str) -> list[Change]:
        # Asterisk 22 (channel.c): "Channel: <old>", "Newname: <new>", "Uniqueid: <id>" only
        uniqueid, newname = h.get("uniqueid", ""), h.get("newname", "")
        changes: list[Change] = []
        if uniqueid not in self._channels:
            self.stats.unknown_channel += 1
        elif newname:
            self._channels.change(uniqueid, event, changes, name=newname)
        return changes

    def _on_hangup(self, h: EventFields, event: str) -> list[Change]:
        uniqueid = h.get("uniqueid", "")
        changes: list[Change] = []
        block = h.block()  # read by the event's cached layout, as ChannelSnapshot.read(h) reads it
        if block is not None:  # so ChannelRemoved carries the last snapshot
            self._channels.settle(block)
        channel = self._channels.remove(uniqueid, changes)
        if channel is None:
            self.stats.unknown_channel += 1
            return changes
        cause = None if h.get("cause") is None else to_int(h.get("cause"), 0)
        changes.append(_removed(channel, event, cause, h.get("cause-txt", ""), False))
        return changes

    def _on_dial(self, h: EventFields, event: str) -> list[Change]:
        caller = h.block()  # absent when the dial comes from Originate
        dest = h.block("dest")
        status = h.get("dialstatus", "")
        changes: list[Change] = []
        if caller is not None:
            self._channels.touch(caller, event, changes, dial_status=status)
        if dest is not None:
            extra: dict[str, Any] = {"dial_status": status}
            if caller is not None:
                extra["dialed_by"] = caller.uniqueid
            self._channels.touch(dest, event, changes, **extra)
        return changes

    def _on_local_bridge(self, h: EventFields, event: str) -> list[Change]:
        one, two = h.block("localone"), h.block("localtwo")
        changes: list[Change] = []
        if one is not None and two is not None:
            self._channels.touch(one, event, changes, local_peer=two.uniqueid)
            self._channels.touch(two, event, changes, local_peer=one.uniqueid)
        return changes

    def _on_bridge(self, h: EventFields, event: str) -> list[Change]:
        lname = event.lower()
        changes: list[Change] = []
        if lname == "bridgedestroy":
            bridge = self._bridges.destroy(h.get("bridgeuniqueid", ""))
            if bridge is not None:
                for uniqueid in bridge.channels:
                    channel = self._channels.get(uniqueid)
                    if channel is not None and channel.bridge_id == bridge.id:
                        self._channels.change(uniqueid, event, changes, bridge_id=None)
                changes.append(BridgeRemoved(bridge))
            return changes
        bridge = self._bridges.upsert(h, changes)
        block = h.block()
        if bridge is None or block is None:  # BridgeCreate has no channel
            return changes
        uniqueid = block.uniqueid
        if lname == "bridgeenter":
            old = self._channels.get(uniqueid)
            if old is not None and old.bridge_id is not None and old.bridge_id != bridge.id:
                self._bridges.drop_member(old.bridge_id, uniqueid, changes)
            self._channels.touch(block, event, changes, bridge_id=bridge.id)
            self._bridges.add_member(bridge.id, uniqueid, changes)
        elif lname == "bridgeleave":
            channel = self._channels.touch(block, event, changes)
            if channel.bridge_id == bridge.id:
                self._channels.change(uniqueid, event, changes, bridge_id=None)
            self._bridges.drop_member(bridge.id, uniqueid, changes)
        return changes

    def _on_dtmf(self, h: EventFields, event: str) -> list[Change]:
        block = h.block()
        changes: list[Change] = []
        if block is None:
            return changes
        channel = self._channels.touch(block, event, changes)
        end = event.lower() == "dtmfend"
        duration = to_int(h.get("durationms"), 0) if end else None
        changes.append(_dtmf(channel, h.get("digit", ""), h.get("direction", ""), end, duration))
        return changes

    def _on_chanspy(self, h: EventFields, event: str) -> list[Change]:
        spyer, spyee = h.block("spyer"), h.block("spyee")
        changes: list[Change] = []
        if spyer is None:
            return changes
        start = event.lower() == "chanspystart"
        old_spyer = self._channels.get(spyer.uniqueid)
        target = spyee.uniqueid if spyee is not None else (old_spyer.spying_on if old_spyer else None)
        self._channels.touch(spyer, event, changes, spying_on=target if start else None)
        if spyee is not None:
            old = self._channels.get(spyee.uniqueid)
            spied_by = tuple(u for u in (old.spied_by if old else ()) if u != spyer.uniqueid)
            spied_by = (*spied_by, spyer.uniqueid) if start else spied_by
            self._channels.touch(spyee, event, changes, spied_by=spied_by)
        elif target is not None and target in self._channels:
            spied_by = tuple(u for u in self._channels[target].spied_by if u != spyer.uniqueid)
            self._channels.change(target, event, changes, spied_by=spied_by)
        return changes

    def _on_originate_response(self, h: EventFields, event: str) -> list[Change]:
        return [OriginateFinished(OriginateOutcome.read(h))]

    def _on_cdr(self, h: EventFields, event: str) -> list[Change]:
        return [_cdr_recorded(CdrRecord.read(h))]

    def _on_listed_channel(self, h: EventFields, event: str) -> list[Change]:
        self._resync.listed(h)
        return []

    def _on_listing_complete(self, h: EventFields, event: str) -> list[Change]:
        return self._resync.complete(h, event)


def _hangup_requested(h: EventFields) -> dict[str, Any]:
    cause = h.get("cause")
    if cause is None:
        return {"hangup_requested": True}
    return {"hangup_requested": True, "hangup_cause": to_int(cause, 0)}


_FLAGS: dict[str, Callable[[EventFields], dict[str, Any]]] = {
    "musiconholdstart": lambda h: {"on_hold": True, "moh_class": h.get("class", "")},
    "musiconholdstop": lambda h: {"on_hold": False},
    "mixmonitorstart": lambda h: {"recording": True},
    "mixmonitorstop": lambda h: {"recording": False},
    "hanguprequest": _hangup_requested,
    "softhanguprequest": _hangup_requested,
}

_HANDLERS: dict[str, Handler] = {
    "newchannel": CallState._on_snapshot,
    "newstate": CallState._on_snapshot,
    "newcallerid": CallState._on_snapshot,
    "newconnectedline": CallState._on_snapshot,
    "newaccountcode": CallState._on_snapshot,
    "mixmonitormute": CallState._on_snapshot,
    "newexten": CallState._on_newexten,
    "varset": CallState._on_varset,
    "rename": CallState._on_rename,
    "hangup": CallState._on_hangup,
    "hanguprequest": CallState._on_flag,
    "softhanguprequest": CallState._on_flag,
    "musiconholdstart": CallState._on_flag,
    "musiconholdstop": CallState._on_flag,
    "mixmonitorstart": CallState._on_flag,
    "mixmonitorstop": CallState._on_flag,
    "dialbegin": CallState._on_dial,
    "dialstate": CallState._on_dial,
    "dialend": CallState._on_dial,
    "localbridge": CallState._on_local_bridge,
    "bridgecreate": CallState._on_bridge,
    "bridgeenter": CallState._on_bridge,
    "bridgeleave": CallState._on_bridge,
    "bridgedestroy": CallState._on_bridge,
    "dtmfbegin": CallState._on_dtmf,
    "dtmfend": CallState._on_dtmf,
    "chanspystart": CallState._on_chanspy,
    "chanspystop": CallState._on_chanspy,
    "originateresponse": CallState._on_originate_response,
    "cdr": CallState._on_cdr,
    "coreshowchannel": CallState._on_listed_channel,
    "coreshowchannelscomplete": CallState._on_listing_complete,
}


class _HandlerByName(dict[str, Handler | None]):
    """Event name as written -> its handler (None: not handled), for the few names Asterisk
    writes; forgotten at 1,024 names, for a peer making them up."""

    def __missing__(self, name: str) -> Handler | None:
        if len(self) >= 1024:
            self.clear()
        handler = self[name] = _HANDLERS.get(name.lower())
        return handler


_handler_for = _HandlerByName().__getitem__
# the handlers written out per layout (cti.ami.written), by event name as written: the layouts
# of one name each in turn (a NewCallerid with CID-CallingPres or without, ...)
_WRITERS: dict[str, Writer] = {
    **dict.fromkeys(KINDS, write),
    **dict.fromkeys(PAIRS, write_pair),
    "hangup": write_hangup,
    "bridgeenter": write_bridge,
    "bridgeleave": write_bridge,
}
_WRITABLE = frozenset(_HANDLERS[name] for name in _WRITERS)
_WRITTEN: dict[str, list[Written]] = {}
# the values built per event, without their frozen __init__ (cti.ami.frozen): every field given
_removed = builder(ChannelRemoved)
_dtmf = builder(DtmfDigit)
_cdr_recorded = builder(CdrRecorded)
