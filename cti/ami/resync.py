"""Resynchronisation of the call state model after a reconnect, from ``CoreShowChannels`` (no I/O).

The reply to ``Action: CoreShowChannels`` is one ``CoreShowChannel`` event per live channel,
closed by ``CoreShowChannelsComplete``, all with the action's ActionID.  :meth:`Resync.listed`
collects the channels of one listing; :meth:`Resync.complete` then makes the tables what the
listing says: channels not listed any more are dropped, listed ones added or refreshed, and the
bridges rebuilt from each channel's ``BridgeId``.  What changed is returned as
:data:`~cti.ami.channels.Change` values, ending with :class:`~cti.ami.channels.Resynced`.

A channel dropped because Asterisk was restarted meanwhile (:meth:`Resync.pbx_started`: its start
time, read with ``CoreStatus`` at each session, changed) did not hang up: its call was cut, and its
:class:`~cti.ami.channels.ChannelRemoved` says so (``pbx_restarted``, Q.850 cause 38).

Bounded: a listing keeps at most ``max_channels`` channels, and at most four listings are open at
once (one never closed, because the connection was lost, must not pile up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from cti.ami.bridges import BridgeTable
from cti.ami.channel_table import ChannelTable
from cti.ami.channels import (
    NETWORK_OUT_OF_ORDER,
    Change,
    Channel,
    ChannelAdded,
    ChannelRemoved,
    ChannelUpdated,
    Resynced,
    StateStats,
)
from cti.ami.events import ChannelSnapshot

__all__ = ["Resync"]

MAX_OPEN_LISTINGS = 4


@dataclass(slots=True)
class _Listing:
    """A CoreShowChannels reply being received."""

    channels: dict[str, Channel] = field(default_factory=dict)


class Resync:
    def __init__(self, channels: ChannelTable, bridges: BridgeTable, stats: StateStats) -> None:
        self._channels = channels
        self._bridges = bridges
        self._stats = stats
        self._listings: dict[str, _Listing] = {}
        self._started: str | None = None  # when the Asterisk of the last session started
        self._restarted = False  # since the last listing

    def pbx_started(self, started: str | None) -> None:
        """A new session's Asterisk started at ``started`` (None: it does not say).  When that is
        not the start of the last session's, Asterisk was restarted: the channels the next listing
        drops went with it."""
        if started is None:
            return
        if self._started is not None and started != self._started:
            self._restarted = True
        self._started = started

    def listed(self, h: Mapping[str, str]) -> None:
        """One ``CoreShowChannel`` event: remember the channel until its listing is complete."""
        snap = ChannelSnapshot.read(h)
        if snap is None:
            return
        action_id = h.get("actionid", "")
        listing = self._listings.get(action_id)
        if listing is None:
            while len(self._listings) >= MAX_OPEN_LISTINGS:
                self._listings.pop(next(iter(self._listings)))
            listing = self._listings[action_id] = _Listing()
        if len(listing.channels) < self._channels.max_channels:
            listing.channels[snap.uniqueid] = replace(
                self._channels.as_snapshot_shows(snap),
                application=h.get("application", ""),
                app_data=h.get("applicationdata", ""),
                bridge_id=h.get("bridgeid") or None,
            )

    def complete(self, h: Mapping[str, str], event: str) -> list[Change]:
        """``CoreShowChannelsComplete``: the tables become what the listing says."""
        listing = self._listings.pop(h.get("actionid", ""), None) or _Listing()
        listed = listing.channels
        table = self._channels
        changes: list[Change] = []
        removed = 0
        restarted, self._restarted = self._restarted, False
        cause = NETWORK_OUT_OF_ORDER if restarted else None
        for uniqueid in [u for u in table.uniqueids() if u not in listed]:
            gone = table[uniqueid]
            channel = replace(gone, bridge_id=None)  # bridges are rebuilt below
            table.store(gone, channel)
            table.remove(uniqueid, changes)
            txt = "Asterisk restarted" if restarted else ""
            changes.append(ChannelRemoved(channel, event, cause, txt, pbx_restarted=restarted))
            removed += 1
        added = 0
        for channel in listed.values():
            old = table.get(channel.uniqueid)
            if old is None:
                table.insert(channel, changes)
                changes.append(ChannelAdded(channel, event))
                added += 1
            elif channel != old:
                table.store(old, channel)
                changes.append(ChannelUpdated(old, channel, event))
        members: dict[str, list[str]] = {}
        for channel in listed.values():
            if channel.bridge_id is not None:
                members.setdefault(channel.bridge_id, []).append(channel.uniqueid)
        self._bridges.rebuild(members, changes)
        self._stats.resyncs += 1
        changes.append(Resynced(len(table), added, removed))
        return changes
