"""What the call state model holds and reports: channels, bridges, and the changes to them.

All values are frozen; :class:`cti.ami.state.CallState` replaces them (``dataclasses.replace``)
as events come in and returns a :data:`Change` for each difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from cti.ami.events import CdrRecord, OriginateOutcome, Party

__all__ = [
    "NETWORK_OUT_OF_ORDER",
    "Bridge",
    "BridgeAdded",
    "BridgeRemoved",
    "BridgeUpdated",
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

UP = 6  # ChannelState of an answered channel
# Q.850 cause of a call cut because its exchange went away (Asterisk restarted under it)
NETWORK_OUT_OF_ORDER = 38


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    state: int
    state_desc: str
    caller: Party
    connected: Party
    context: str
    exten: str
    priority: int
    language: str = ""
    account_code: str = ""
    application: str = ""
    app_data: str = ""
    bridge_id: str | None = None
    local_peer: str | None = None  # uniqueid of the other half of a Local channel pair
    dialed_by: str | None = None  # uniqueid of the channel whose Dial() created this one
    dial_status: str = ""  # last DialState/DialEnd status, as caller or as callee
    on_hold: bool = False  # music on hold playing to this channel
    moh_class: str = ""
    recording: bool = False  # MixMonitor running
    spied_by: tuple[str, ...] = ()  # uniqueids of channels running ChanSpy on this one
    spying_on: str | None = None
    hangup_requested: bool = False
    hangup_cause: int | None = None
    variables: tuple[tuple[str, str], ...] = ()  # set via VarSet, oldest first
    created_at: float = 0.0

    @property
    def is_up(self) -> bool:
        return self.state == UP

    def variable(self, name: str) -> str | None:
        for key, value in self.variables:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Bridge:
    id: str
    type: str = ""
    technology: str = ""
    name: str = ""
    creator: str = ""
    channels: tuple[str, ...] = ()  # uniqueids, in order of entry


@dataclass(frozen=True, slots=True)
class ChannelAdded:
    channel: Channel
    event: str


@dataclass(frozen=True, slots=True)
class ChannelUpdated:
    before: Channel
    after: Channel
    event: str


@dataclass(frozen=True, slots=True)
class ChannelRemoved:
    channel: Channel
    event: str  # "Hangup", or "CoreShowChannelsComplete" (gone at resync), or "Evicted"
    cause: int | None = None
    cause_txt: str = ""
    pbx_restarted: bool = False  # gone at a resync because Asterisk was restarted meanwhile


@dataclass(frozen=True, slots=True)
class BridgeAdded:
    bridge: Bridge


@dataclass(frozen=True, slots=True)
class BridgeUpdated:
    before: Bridge
    after: Bridge


@dataclass(frozen=True, slots=True)
class BridgeRemoved:
    bridge: Bridge


@dataclass(frozen=True, slots=True)
class DtmfDigit:
    channel: Channel
    digit: str
    direction: str  # "Received" or "Sent"
    end: bool  # DTMFEnd (else DTMFBegin)
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class OriginateFinished:
    outcome: OriginateOutcome


@dataclass(frozen=True, slots=True)
class CdrRecorded:
    cdr: CdrRecord


@dataclass(frozen=True, slots=True)
class Resynced:
    channels: int
    added: int
    removed: int


Change = (
    ChannelAdded
    | ChannelUpdated
    | ChannelRemoved
    | BridgeAdded
    | BridgeUpdated
    | BridgeRemoved
    | DtmfDigit
    | OriginateFinished
    | CdrRecorded
    | Resynced
)


@dataclass(slots=True)
class StateStats:
    events: int = 0
    ignored: int = 0  # events of a kind the model does not use
    adopted: int = 0  # channels first seen in an event other than Newchannel
    unknown_channel: int = 0  # Hangup/Rename/... about a channel we do not know
    evicted: int = 0
    variables_dropped: int = 0
    resyncs: int = 0
