"""Channels and bridges as Asterisk reports them, built only from AMI events (no I/O).

:meth:`CallState.apply` takes one event and returns what changed, as :data:`Change` values.
Events arrive in wire order and every channel event carries a full channel snapshot (see
:mod:`cti.ami.events`), so a channel we have not seen yet (we connected mid-call, or events
were lost) is adopted from the first event that mentions it.  ``CoreShowChannel`` events,
closed by ``CoreShowChannelsComplete`` with the same ActionID, replace the channel table
(resynchronisation after a reconnect): channels that are not listed any more are dropped.

Bounded: a hung-up channel is removed at once; at most ``max_channels`` channels and
``max_variables`` variables per channel are kept (the oldest go first, and are counted).
A "call" is every channel sharing one ``Linkedid``.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from cti.ami.channels import (
    Bridge,
    BridgeAdded,
    BridgeRemoved,
    BridgeUpdated,
    CdrRecorded,
    Change,
    Channel,
    ChannelAdded,
    ChannelRemoved,
    ChannelUpdated,
    DtmfDigit,
    OriginateFinished,
    Resynced,
    StateStats,
)
from cti.ami.events import CdrRecord, ChannelSnapshot, OriginateOutcome, header_map, known, to_int
from cti.ami.protocol import AmiMessage

__all__ = [
    "Bridge",
    "BridgeAdded",
    "BridgeRemoved",
    "BridgeUpdated",
    "CallState",
    "CdrRecorded",
    "Change",
    "Channel",
    "ChannelAdded",
    "ChannelRemoved",
    "ChannelUpdated",
    "DtmfDigit",
    "OriginateFinished",
    "Resynced",
    "StateStats",
]


@dataclass(slots=True)
class _Listing:
    """A CoreShowChannels reply being received."""

    channels: dict[str, Channel] = field(default_factory=dict)


Handler = Callable[["CallState", dict[str, str], str], list[Change]]


class CallState:
    """The channel and bridge tables, fed by :meth:`apply`."""

    def __init__(
        self, *, max_channels: int = 50_000, max_variables: int = 64, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_channels = max_channels
        self.max_variables = max_variables
        self._clock = clock
        self._channels: dict[str, Channel] = {}
        self._names: dict[str, str] = {}
        self._calls: dict[str, dict[str, None]] = {}
        self._bridges: dict[str, Bridge] = {}
        self._listings: dict[str, _Listing] = {}
        self.stats = StateStats()

    # -- queries ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._channels)

    def __iter__(self) -> Iterator[Channel]:
        return iter(list(self._channels.values()))

    def channel(self, uniqueid: str) -> Channel | None:
        return self._channels.get(uniqueid)

    def channel_by_name(self, name: str) -> Channel | None:
        uniqueid = self._names.get(name)
        return None if uniqueid is None else self._channels.get(uniqueid)

    def call(self, linkedid: str) -> list[Channel]:
        """Every channel of one call (sharing ``linkedid``), oldest first."""
        return [self._channels[u] for u in self._calls.get(linkedid, {})]

    def linkedids(self) -> list[str]:
        return list(self._calls)

    def bridge(self, bridge_id: str) -> Bridge | None:
        return self._bridges.get(bridge_id)

    def bridges(self) -> list[Bridge]:
        return list(self._bridges.values())

    def bridge_peers(self, uniqueid: str) -> list[Channel]:
        """The other channels in the bridge ``uniqueid`` is in."""
        channel = self._channels.get(uniqueid)
        if channel is None or channel.bridge_id is None:
            return []
        bridge = self._bridges.get(channel.bridge_id)
        if bridge is None:
            return []
        return [self._channels[u] for u in bridge.channels if u != uniqueid and u in self._channels]

    # -- events -----------------------------------------------------------------------------
    def apply(self, event: AmiMessage) -> list[Change]:
        headers = header_map(event)
        name = headers.get("event")
        if name is None:
            return []
        self.stats.events += 1
        handler = _HANDLERS.get(name.lower())
        if handler is None:
            self.stats.ignored += 1
            return []
        return handler(self, headers, name)

    # -- table maintenance ------------------------------------------------------------------
    def _touch(self, snap: ChannelSnapshot, event: str, changes: list[Change], **extra: Any) -> Channel:
        """Create or refresh the channel from a snapshot, then apply ``extra`` fields."""
        old = self._channels.get(snap.uniqueid)
        if old is None:
            if event != "Newchannel":
                self.stats.adopted += 1
            new = _from_snapshot(snap, self._clock(), **extra)
            self._insert(new, changes)
            changes.append(ChannelAdded(new, event))
            return new
        fields = _snapshot_changes(old, snap)
        for key, value in extra.items():
            if getattr(old, key) != value:
                fields[key] = value
        if not fields:
            return old
        new = replace(old, **fields)
        self._store(old, new)
        changes.append(ChannelUpdated(old, new, event))
        return new

    def _change(self, uniqueid: str, event: str, changes: list[Change], **fields: Any) -> None:
        old = self._channels.get(uniqueid)
        if old is None:
            return
        new = replace(old, **fields)
        if new != old:
            self._store(old, new)
            changes.append(ChannelUpdated(old, new, event))

    def _insert(self, channel: Channel, changes: list[Change]) -> None:
        while len(self._channels) >= self.max_channels:
            oldest = next(iter(self._channels))
            self.stats.evicted += 1
            gone = self._remove(oldest, changes)
            if gone is not None:
                changes.append(ChannelRemoved(gone, "Evicted"))
        self._channels[channel.uniqueid] = channel
        self._names[channel.name] = channel.uniqueid
        self._calls.setdefault(channel.linkedid, {})[channel.uniqueid] = None

    def _store(self, old: Channel, new: Channel) -> None:
        self._channels[new.uniqueid] = new
        if old.name != new.name:
            if self._names.get(old.name) == old.uniqueid:
                del self._names[old.name]
            self._names[new.name] = new.uniqueid
        if old.linkedid != new.linkedid:
            self._unlink(old)
            self._calls.setdefault(new.linkedid, {})[new.uniqueid] = None

    def _unlink(self, channel: Channel) -> None:
        members = self._calls.get(channel.linkedid)
        if members is not None:
            members.pop(channel.uniqueid, None)
            if not members:
                del self._calls[channel.linkedid]

    def _remove(self, uniqueid: str, changes: list[Change]) -> Channel | None:
        channel = self._channels.pop(uniqueid, None)
        if channel is None:
            return None
        if self._names.get(channel.name) == uniqueid:
            del self._names[channel.name]
        self._unlink(channel)
        if channel.bridge_id is not None:
            self._bridge_without(channel.bridge_id, uniqueid, changes)
        if channel.spying_on is not None:
            spyee = self._channels.get(channel.spying_on)
            if spyee is not None:
                spied_by = tuple(u for u in spyee.spied_by if u != uniqueid)
                self._change(spyee.uniqueid, "Hangup", changes, spied_by=spied_by)
        for spyer in channel.spied_by:
            self._change(spyer, "Hangup", changes, spying_on=None)
        return channel

    def _bridge_without(self, bridge_id: str, uniqueid: str, changes: list[Change]) -> None:
        bridge = self._bridges.get(bridge_id)
        if bridge is not None and uniqueid in bridge.channels:
            after = replace(bridge, channels=tuple(u for u in bridge.channels if u != uniqueid))
            self._bridges[bridge_id] = after
            changes.append(BridgeUpdated(bridge, after))

    def _bridge_upsert(self, h: dict[str, str], changes: list[Change]) -> Bridge | None:
        bridge_id = h.get("bridgeuniqueid")
        if not bridge_id:
            return None
        old = self._bridges.get(bridge_id)
        base = old or Bridge(bridge_id)
        new = replace(
            base,
            type=h.get("bridgetype", base.type),
            technology=h.get("bridgetechnology", base.technology),
            name=known(h.get("bridgename", base.name)),
            creator=known(h.get("bridgecreator", base.creator)),
        )
        if old is None:
            if len(self._bridges) >= self.max_channels:
                self._bridges.pop(next(iter(self._bridges)))
            self._bridges[bridge_id] = new
            changes.append(BridgeAdded(new))
        elif new != old:
            self._bridges[bridge_id] = new
            changes.append(BridgeUpdated(old, new))
        return new

    # -- handlers (one per event name; see _HANDLERS) ---------------------------------------
    def _on_snapshot(self, h: dict[str, str], event: str) -> list[Change]:
        snap = ChannelSnapshot.read(h)
        changes: list[Change] = []
        if snap is not None:
            self._touch(snap, event, changes)
        return changes

    def _on_newexten(self, h: dict[str, str], event: str) -> list[Change]:
        snap = ChannelSnapshot.read(h)
        changes: list[Change] = []
        if snap is not None:
            app, data = h.get("application", ""), h.get("appdata", "")
            self._touch(snap, event, changes, application=app, app_data=data)
        return changes

    def _on_varset(self, h: dict[str, str], event: str) -> list[Change]:
        snap = ChannelSnapshot.read(h)  # None for a global variable ("Channel: none")
        name = h.get("variable")
        changes: list[Change] = []
        if snap is None or not name:
            return changes
        old = self._channels.get(snap.uniqueid)
        variables = self._set_variable(old.variables if old else (), name, h.get("value", ""))
        self._touch(snap, event, changes, variables=variables)
        return changes

    def _set_variable(
        self, variables: tuple[tuple[str, str], ...], name: str, value: str
    ) -> tuple[tuple[str, str], ...]:
        kept = [(k, v) for k, v in variables if k != name]
        kept.append((name, value))
        if len(kept) > self.max_variables:
            self.stats.variables_dropped += len(kept) - self.max_variables
            kept = kept[-self.max_variables :]
        return tuple(kept)

    def _on_flag(self, h: dict[str, str], event: str) -> list[Change]:
        """Events that switch a flag on one channel: hold, recording, hang-up requested."""
        snap = ChannelSnapshot.read(h)
        changes: list[Change] = []
        if snap is not None:
            self._touch(snap, event, changes, **_FLAGS[event.lower()](h))
        return changes

    def _on_rename(self, h: dict[str, str], event: str) -> list[Change]:
        # Asterisk 22 (channel.c): "Channel: <old>", "Newname: <new>", "Uniqueid: <id>" only
        uniqueid, newname = h.get("uniqueid", ""), h.get("newname", "")
        changes: list[Change] = []
        if uniqueid not in self._channels:
            self.stats.unknown_channel += 1
        elif newname:
            self._change(uniqueid, event, changes, name=newname)
        return changes

    def _on_hangup(self, h: dict[str, str], event: str) -> list[Change]:
        uniqueid = h.get("uniqueid", "")
        changes: list[Change] = []
        snap = ChannelSnapshot.read(h)
        old = self._channels.get(uniqueid)
        if snap is not None and old is not None:
            self._store(old, _with_snapshot(old, snap))  # so ChannelRemoved carries the last snapshot
        channel = self._remove(uniqueid, changes)
        if channel is None:
            self.stats.unknown_channel += 1
            return changes
        cause = None if h.get("cause") is None else to_int(h.get("cause"), 0)
        changes.append(ChannelRemoved(channel, event, cause, h.get("cause-txt", "")))
        return changes

    def _on_dial(self, h: dict[str, str], event: str) -> list[Change]:
        caller = ChannelSnapshot.read(h)  # absent when the dial comes from Originate
        dest = ChannelSnapshot.read(h, "dest")
        status = h.get("dialstatus", "")
        changes: list[Change] = []
        if caller is not None:
            self._touch(caller, event, changes, dial_status=status)
        if dest is not None:
            extra: dict[str, Any] = {"dial_status": status}
            if caller is not None:
                extra["dialed_by"] = caller.uniqueid
            self._touch(dest, event, changes, **extra)
        return changes

    def _on_local_bridge(self, h: dict[str, str], event: str) -> list[Change]:
        one, two = ChannelSnapshot.read(h, "localone"), ChannelSnapshot.read(h, "localtwo")
        changes: list[Change] = []
        if one is not None and two is not None:
            self._touch(one, event, changes, local_peer=two.uniqueid)
            self._touch(two, event, changes, local_peer=one.uniqueid)
        return changes

    def _on_bridge(self, h: dict[str, str], event: str) -> list[Change]:
        lname = event.lower()
        changes: list[Change] = []
        if lname == "bridgedestroy":
            bridge = self._bridges.pop(h.get("bridgeuniqueid", ""), None)
            if bridge is not None:
                for uniqueid in bridge.channels:
                    channel = self._channels.get(uniqueid)
                    if channel is not None and channel.bridge_id == bridge.id:
                        self._change(uniqueid, event, changes, bridge_id=None)
                changes.append(BridgeRemoved(bridge))
            return changes
        bridge = self._bridge_upsert(h, changes)
        snap = ChannelSnapshot.read(h)
        if bridge is None or snap is None:  # BridgeCreate has no channel
            return changes
        if lname == "bridgeenter":
            old = self._channels.get(snap.uniqueid)
            if old is not None and old.bridge_id is not None and old.bridge_id != bridge.id:
                self._bridge_without(old.bridge_id, snap.uniqueid, changes)
            self._touch(snap, event, changes, bridge_id=bridge.id)
            current = self._bridges[bridge.id]
            if snap.uniqueid not in current.channels:
                after = replace(current, channels=(*current.channels, snap.uniqueid))
                self._bridges[bridge.id] = after
                changes.append(BridgeUpdated(current, after))
        elif lname == "bridgeleave":
            channel = self._touch(snap, event, changes)
            if channel.bridge_id == bridge.id:
                self._change(snap.uniqueid, event, changes, bridge_id=None)
            self._bridge_without(bridge.id, snap.uniqueid, changes)
        return changes

    def _on_dtmf(self, h: dict[str, str], event: str) -> list[Change]:
        snap = ChannelSnapshot.read(h)
        changes: list[Change] = []
        if snap is None:
            return changes
        channel = self._touch(snap, event, changes)
        end = event.lower() == "dtmfend"
        duration = to_int(h.get("durationms"), 0) if end else None
        changes.append(DtmfDigit(channel, h.get("digit", ""), h.get("direction", ""), end, duration))
        return changes

    def _on_chanspy(self, h: dict[str, str], event: str) -> list[Change]:
        spyer, spyee = ChannelSnapshot.read(h, "spyer"), ChannelSnapshot.read(h, "spyee")
        changes: list[Change] = []
        if spyer is None:
            return changes
        start = event.lower() == "chanspystart"
        old_spyer = self._channels.get(spyer.uniqueid)
        target = spyee.uniqueid if spyee is not None else (old_spyer.spying_on if old_spyer else None)
        self._touch(spyer, event, changes, spying_on=target if start else None)
        if spyee is not None:
            old = self._channels.get(spyee.uniqueid)
            spied_by = tuple(u for u in (old.spied_by if old else ()) if u != spyer.uniqueid)
            self._touch(spyee, event, changes, spied_by=(*spied_by, spyer.uniqueid) if start else spied_by)
        elif target is not None and target in self._channels:
            spied_by = tuple(u for u in self._channels[target].spied_by if u != spyer.uniqueid)
            self._change(target, event, changes, spied_by=spied_by)
        return changes

    def _on_originate_response(self, h: dict[str, str], event: str) -> list[Change]:
        return [OriginateFinished(OriginateOutcome.read(h))]

    def _on_cdr(self, h: dict[str, str], event: str) -> list[Change]:
        return [CdrRecorded(CdrRecord.read(h))]

    def _on_listed_channel(self, h: dict[str, str], event: str) -> list[Change]:
        snap = ChannelSnapshot.read(h)
        if snap is None:
            return []
        action_id = h.get("actionid", "")
        listing = self._listings.get(action_id)
        if listing is None:
            while len(self._listings) >= 4:  # a list never closed (connection lost) must not pile up
                self._listings.pop(next(iter(self._listings)))
            listing = self._listings[action_id] = _Listing()
        if len(listing.channels) < self.max_channels:
            old = self._channels.get(snap.uniqueid)
            base = _with_snapshot(old, snap) if old else _from_snapshot(snap, self._clock())
            listing.channels[snap.uniqueid] = replace(
                base,
                application=h.get("application", ""),
                app_data=h.get("applicationdata", ""),
                bridge_id=h.get("bridgeid") or None,
            )
        return []

    def _on_listing_complete(self, h: dict[str, str], event: str) -> list[Change]:
        listing = self._listings.pop(h.get("actionid", ""), None) or _Listing()
        listed = listing.channels
        changes: list[Change] = []
        removed = 0
        for uniqueid in [u for u in self._channels if u not in listed]:
            channel = self._channels[uniqueid]
            channel = replace(channel, bridge_id=None)  # bridges are rebuilt below
            self._channels[uniqueid] = channel
            self._remove(uniqueid, changes)
            changes.append(ChannelRemoved(channel, event))
            removed += 1
        added = 0
        for channel in listed.values():
            old = self._channels.get(channel.uniqueid)
            if old is None:
                self._insert(channel, changes)
                changes.append(ChannelAdded(channel, event))
                added += 1
            elif channel != old:
                self._store(old, channel)
                changes.append(ChannelUpdated(old, channel, event))
        members: dict[str, list[str]] = {}
        for channel in listed.values():
            if channel.bridge_id is not None:
                members.setdefault(channel.bridge_id, []).append(channel.uniqueid)
        for bridge_id in [b for b in self._bridges if b not in members]:
            changes.append(BridgeRemoved(self._bridges.pop(bridge_id)))
        for bridge_id, uniqueids in members.items():
            old_bridge = self._bridges.get(bridge_id)
            kept = [u for u in old_bridge.channels if u in uniqueids] if old_bridge else []
            channels = (*kept, *(u for u in uniqueids if u not in kept))
            new_bridge = replace(old_bridge or Bridge(bridge_id), channels=channels)
            if old_bridge is None:
                changes.append(BridgeAdded(new_bridge))
            elif new_bridge != old_bridge:
                changes.append(BridgeUpdated(old_bridge, new_bridge))
            self._bridges[bridge_id] = new_bridge
        self.stats.resyncs += 1
        changes.append(Resynced(len(self._channels), added, removed))
        return changes


def _from_snapshot(snap: ChannelSnapshot, now: float, **extra: Any) -> Channel:
    return Channel(
        name=snap.name,
        uniqueid=snap.uniqueid,
        linkedid=snap.linkedid,
        state=snap.state,
        state_desc=snap.state_desc,
        caller=snap.caller,
        connected=snap.connected,
        context=snap.context,
        exten=snap.exten,
        priority=snap.priority,
        language=snap.language,
        account_code=snap.account_code,
        created_at=now,
        **extra,
    )


_SNAPSHOT_FIELDS = (
    "name",
    "linkedid",
    "state",
    "state_desc",
    "caller",
    "connected",
    "context",
    "exten",
    "priority",
    "language",
    "account_code",
)


_snapshot_values = operator.attrgetter(*_SNAPSHOT_FIELDS)


def _snapshot_changes(channel: Channel, snap: ChannelSnapshot) -> dict[str, Any]:
    """The fields of ``channel`` that ``snap`` says have changed, with their new values."""
    before, after = _snapshot_values(channel), _snapshot_values(snap)
    if before == after:
        return {}
    return {name: new for name, old, new in zip(_SNAPSHOT_FIELDS, before, after, strict=True) if old != new}


def _with_snapshot(channel: Channel, snap: ChannelSnapshot) -> Channel:
    fields = _snapshot_changes(channel, snap)
    return replace(channel, **fields) if fields else channel


def _hangup_requested(h: dict[str, str]) -> dict[str, Any]:
    cause = h.get("cause")
    if cause is None:
        return {"hangup_requested": True}
    return {"hangup_requested": True, "hangup_cause": to_int(cause, 0)}


_FLAGS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
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
