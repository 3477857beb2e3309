"""The channel table of the call state model: channels by uniqueid, found by name and by call (no I/O).

Every channel event carries a full channel snapshot (see :mod:`cti.ami.events`), so a channel
we have not seen yet (we connected mid-call, or events were lost) is adopted from the first
snapshot that mentions it, and refreshed from every later one (:meth:`ChannelTable.touch`).
Every method appends what changed to the caller's list of :data:`~cti.ami.channels.Change`
values.  A "call" is every channel sharing one ``Linkedid``.

Bounded: at most ``max_channels`` channels (the oldest are evicted first) and ``max_variables``
variables per channel are kept; what goes is counted in :class:`~cti.ami.channels.StateStats`.
Removing a channel keeps the rest consistent: it leaves its bridge (in the
:class:`~cti.ami.bridges.BridgeTable`) and the channels it spied on, or that spied on it, forget it.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterator
from itertools import compress
from typing import Any

from cti.ami.bridges import BridgeTable
from cti.ami.channels import Change, Channel, ChannelAdded, ChannelRemoved, ChannelUpdated, StateStats
from cti.ami.events import BLOCK_FIELDS, ChannelSnapshot, SnapshotValues
from cti.ami.frozen import builder, replacer

__all__ = ["ChannelTable"]

Variables = tuple[tuple[str, str], ...]


class ChannelTable:
    def __init__(
        self,
        bridges: BridgeTable,
        stats: StateStats,
        *,
        max_channels: int,
        max_variables: int,
        clock: Callable[[], float],
    ) -> None:
        self.max_channels = max_channels
        self.max_variables = max_variables
        self._bridges = bridges
        self._stats = stats
        self._clock = clock
        self._channels: dict[str, Channel] = {}
        self._names: dict[str, str] = {}
        self._calls: dict[str, dict[str, None]] = {}
        # uniqueid -> the snapshot block the channel was last refreshed from, while its snapshot
        # fields are still what that block says: the same block again changes none of them
        self._blocks: dict[str, SnapshotValues] = {}

    # -- queries ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._channels)

    def __iter__(self) -> Iterator[Channel]:
        return iter(list(self._channels.values()))

    def __contains__(self, uniqueid: object) -> bool:
        return uniqueid in self._channels

    def __getitem__(self, uniqueid: str) -> Channel:
        return self._channels[uniqueid]

    def uniqueids(self) -> list[str]:
        """Every uniqueid, oldest first."""
        return list(self._channels)

    def get(self, uniqueid: str) -> Channel | None:
        return self._channels.get(uniqueid)

    def by_name(self, name: str) -> Channel | None:
        uniqueid = self._names.get(name)
        return None if uniqueid is None else self._channels.get(uniqueid)

    def call(self, linkedid: str) -> list[Channel]:
        """Every channel of one call (sharing ``linkedid``), oldest first."""
        return [self._channels[u] for u in self._calls.get(linkedid, {})]

    def linkedids(self) -> list[str]:
        return list(self._calls)

    def as_snapshot_shows(self, snap: ChannelSnapshot) -> Channel:
        """The channel as ``snap`` shows it: the one we know, refreshed, or a new one (not stored)."""
        old = self._channels.get(snap.uniqueid)
        return _with_snapshot(old, snap) if old else _from_snapshot(snap, self._clock())

    def with_variable(self, variables: Variables, name: str, value: str) -> Variables:
        """``variables`` with ``name`` set (last), the oldest dropped beyond ``max_variables``."""
        names = list(map(_first, variables))
        if name in names:  # not index() in a try: most names are new, and raising is dear
            at = names.index(name)
            kept = (*variables[:at], *variables[at + 1 :], (name, value))
        else:
            kept = (*variables, (name, value))
        if len(kept) > self.max_variables:
            self._stats.variables_dropped += len(kept) - self.max_variables
            kept = kept[-self.max_variables :]
        return kept

    # -- changes ----------------------------------------------------------------------------
    def touch(self, block: SnapshotValues, event: str, changes: list[Change], **extra: Any) -> Channel:
        """Create or refresh the channel from a snapshot block (:func:`~cti.ami.events.snapshot_values`),
        then set ``extra`` fields (never a field of the snapshot)."""
        uniqueid = block.uniqueid
        old = self._channels.get(uniqueid)
        if old is None:
            if event != "Newchannel":
                self._stats.adopted += 1
            new = _from_snapshot(ChannelSnapshot.from_values(block), self._clock(), **extra)
            self.insert(new, changes)
            self._blocks[uniqueid] = block
            changes.append(_added(new, event))
            return new
        blocks = self._blocks
        before = blocks.get(uniqueid)  # the block it was last refreshed from, if it still says so
        if before == block:
            fields: dict[str, Any] = {}
        else:
            if before is None:
                fields = _snapshot_changes(old, ChannelSnapshot.from_values(block))
            else:  # only what the differing values feed can have changed
                fields = {}
                for position in compress(_POSITIONS, map(operator.ne, before, block)):
                    name, read = BLOCK_FIELDS[position]
                    value = read(block)
                    if getattr(old, name) != value:
                        fields[name] = value
            blocks[uniqueid] = block  # its snapshot fields are the block's from now on
        for key, value in extra.items():
            if getattr(old, key) != value:
                fields[key] = value
        if not fields:
            return old
        new = _replaced(old, fields)
        self._channels[uniqueid] = new
        if "name" in fields or "linkedid" in fields:  # what the name and call indexes follow
            self._reindex(old, new)
        changes.append(_updated(old, new, event))
        return new

    def settle(self, block: SnapshotValues) -> None:
        """Refresh a channel we know from a snapshot block, reporting no change (a Hangup's last
        snapshot, which its ChannelRemoved carries); nothing when the block is the one it was last
        refreshed from."""
        uniqueid = block.uniqueid
        old = self._channels.get(uniqueid)
        if old is not None and self._blocks.get(uniqueid) != block:
            self.store(old, _with_snapshot(old, ChannelSnapshot.from_values(block)))

    def change(self, uniqueid: str, event: str, changes: list[Change], **fields: Any) -> None:
        """Set ``fields`` of a channel we know (nothing if we do not, or if they are already so)."""
        old = self._channels.get(uniqueid)
        if old is None:
            return
        fields = {name: value for name, value in fields.items() if getattr(old, name) != value}
        if fields:
            new = _replaced(old, fields)
            self.store(old, new)
            changes.append(_updated(old, new, event))

    def insert(self, channel: Channel, changes: list[Change]) -> None:
        """Add a new channel, evicting the oldest while the table is full."""
        while len(self._channels) >= self.max_channels:
            oldest = next(iter(self._channels))
            self._stats.evicted += 1
            gone = self.remove(oldest, changes)
            if gone is not None:
                changes.append(ChannelRemoved(gone, "Evicted"))
        self._channels[channel.uniqueid] = channel
        self._blocks.pop(channel.uniqueid, None)
        self._names[channel.name] = channel.uniqueid
        self._calls.setdefault(channel.linkedid, {})[channel.uniqueid] = None

    def store(self, old: Channel, new: Channel) -> None:
        """Replace ``old`` by ``new`` (same uniqueid), keeping the name and call indexes right."""
        self._reindex(old, new)
        if _snapshot_values(old) != _snapshot_values(new):  # no longer what its last block says
            self._blocks.pop(new.uniqueid, None)

    def _reindex(self, old: Channel, new: Channel) -> None:
        self._channels[new.uniqueid] = new
        if old.name != new.name:
            if self._names.get(old.name) == old.uniqueid:
                del self._names[old.name]
            self._names[new.name] = new.uniqueid
        if old.linkedid != new.linkedid:
            self._unlink(old)
            self._calls.setdefault(new.linkedid, {})[new.uniqueid] = None

    def remove(self, uniqueid: str, changes: list[Change]) -> Channel | None:
        """Drop the channel from the table, its bridge and its spy links; None if unknown."""
        channel = self._channels.pop(uniqueid, None)
        if channel is None:
            return None
        self._blocks.pop(uniqueid, None)
        if self._names.get(channel.name) == uniqueid:
            del self._names[channel.name]
        self._unlink(channel)
        if channel.bridge_id is not None:
            self._bridges.drop_member(channel.bridge_id, uniqueid, changes)
        if channel.spying_on is not None:
            spyee = self._channels.get(channel.spying_on)
            if spyee is not None:
                spied_by = tuple(u for u in spyee.spied_by if u != uniqueid)
                self.change(spyee.uniqueid, "Hangup", changes, spied_by=spied_by)
        for spyer in channel.spied_by:
            self.change(spyer, "Hangup", changes, spying_on=None)
        return channel

    def _unlink(self, channel: Channel) -> None:
        members = self._calls.get(channel.linkedid)
        if members is not None:
            members.pop(channel.uniqueid, None)
            if not members:
                del self._calls[channel.linkedid]


def _from_snapshot(snap: ChannelSnapshot, now: float, **extra: Any) -> Channel:
    new = _channel(  # Channel(name=snap.name, ..., created_at=now), without the frozen __init__
        snap.name,
        snap.uniqueid,
        snap.linkedid,
        snap.state,
        snap.state_desc,
        snap.caller,
        snap.connected,
        snap.context,
        snap.exten,
        snap.priority,
        snap.language,
        snap.account_code,
        *_DEFAULTS,
        now,
    )
    return _replaced(new, extra) if extra else new


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
    return _replaced(channel, fields) if fields else channel


# dataclasses.replace() walks the fields in Python on every call, the most expensive step of an
# event; _replaced copies the Channel's values into its plain twin field by field, sets the fields
# that change there and turns the twin into a Channel (cti.ami.frozen).
_replaced = replacer(Channel)  # (channel, {field: value}) -> dataclasses.replace(channel, **fields)
_channel = builder(Channel)
# the defaults of the fields between the snapshot's (name ... account_code) and created_at, the last
_FIELDS = dataclasses.fields(Channel)
_NAMES = [f.name for f in _FIELDS]
_BETWEEN = _FIELDS[_NAMES.index("account_code") + 1 : -1]
assert _NAMES[-1] == "created_at" and all(f.default is not dataclasses.MISSING for f in _BETWEEN)
_DEFAULTS = tuple(f.default for f in _BETWEEN)
_added = builder(ChannelAdded)
_updated = builder(ChannelUpdated)
_first = operator.itemgetter(0)
_POSITIONS = range(len(SnapshotValues._fields))
