"""Typed values read out of AMI events.

Asterisk (12 and later) embeds a *channel snapshot* in every channel event: ``Channel``,
``ChannelState``, ``ChannelStateDesc``, ``CallerIDNum``/``Name``, ``ConnectedLineNum``/``Name``,
``Language``, ``AccountCode``, ``Context``, ``Exten``, ``Priority``, ``Uniqueid``, ``Linkedid``.
Events about two channels carry a second block with a prefix (``DestChannel``,
``LocalOneUniqueid``, ``SpyeeLinkedid``...).  :meth:`ChannelSnapshot.read` reads one block.

Look-ups go through :func:`header_map` (names lower-cased once per event), or on the event path
:class:`~cti.ami.event_fields.EventFields` (which reads the same), rather than
:meth:`AmiMessage.get`, which scans all headers on every call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from cti.ami.frozen import builder
from cti.ami.protocol import AmiMessage

__all__ = [
    "BLOCK_FIELDS",
    "ORIGINATE_REASONS",
    "CdrRecord",
    "ChannelSnapshot",
    "OriginateOutcome",
    "Party",
    "SnapshotValues",
    "header_map",
    "known",
    "pbx_started",
    "snapshot_values",
    "to_int",
]

UNKNOWN = "<unknown>"

# OriginateResponse "Reason": the last control frame the outgoing channel saw.
ORIGINATE_REASONS: dict[int, str] = {
    0: "failed",  # no such extension/context, channel driver refused...
    1: "hangup",
    2: "ringing (local)",
    3: "no answer",  # still ringing when Timeout ran out
    4: "answered",
    5: "busy",
    8: "congestion",
}


def pbx_started(reply: Mapping[str, str]) -> str | None:
    """When the Asterisk that answered ``CoreStatus`` started (``CoreStartupDate`` and
    ``CoreStartupTime``, whole seconds: "2026-12-06 05:03:36"); None when the reply does not say."""
    date, time = reply.get("corestartupdate"), reply.get("corestartuptime")
    if not date or not time:
        return None
    return f"{date} {time}"


def header_map(message: AmiMessage) -> dict[str, str]:
    """Header names lower-cased -> value (the first one when a header repeats)."""
    return {key.lower(): value for key, value in reversed(message.headers)}


def known(value: str | None) -> str:
    """Asterisk writes ``<unknown>`` for an unset caller id; we use ``""``."""
    return "" if value is None or value == UNKNOWN else value


def to_int(value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class Party:
    """A number and name (caller id or connected line); ``""`` where Asterisk says ``<unknown>``."""

    number: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class ChannelSnapshot:
    """One channel block of an event."""

    name: str
    uniqueid: str
    linkedid: str
    state: int
    state_desc: str
    caller: Party
    connected: Party
    language: str
    account_code: str
    context: str
    exten: str
    priority: int

    @classmethod
    def read(cls, headers: Mapping[str, str], prefix: str = "") -> ChannelSnapshot | None:
        """The block whose header names start with ``prefix`` (lower case), or None if absent
        (see :func:`snapshot_values`)."""
        values = snapshot_values(headers, prefix)
        return None if values is None else cls.from_values(values)

    @classmethod
    def from_values(cls, values: SnapshotValues) -> ChannelSnapshot:
        """The snapshot of a block read by :func:`snapshot_values`."""
        (
            uniqueid,
            name,
            state,
            linkedid,
            desc,
            cid_num,
            cid_name,
            col_num,
            col_name,
            lang,
            account,
            context,
            exten,
            prio,
        ) = values
        return _snapshot(  # ChannelSnapshot(name=name, uniqueid=uniqueid, ...) in field order
            name,
            uniqueid,
            linkedid or uniqueid,
            to_int(state, -1),
            desc or "",
            _party(known(cid_num), known(cid_name)),
            _party(known(col_num), known(col_name)),
            lang or "",
            account or "",
            context or "",
            exten or "",
            to_int(prio, 0),
        )


_snapshot = builder(ChannelSnapshot)
_party = builder(Party)


class SnapshotValues(NamedTuple):
    """The raw header values of one channel block (see :func:`snapshot_values`)."""

    uniqueid: str
    channel: str
    channelstate: str
    linkedid: str | None
    channelstatedesc: str | None
    calleridnum: str | None
    calleridname: str | None
    connectedlinenum: str | None
    connectedlinename: str | None
    language: str | None
    accountcode: str | None
    context: str | None
    exten: str | None
    priority: str | None


def snapshot_values(headers: Mapping[str, str], prefix: str = "") -> SnapshotValues | None:
    """The raw values of the channel block whose header names start with ``prefix`` (lower
    case), or None if absent: :meth:`ChannelSnapshot.from_values` reads them.

    A block needs at least ``<prefix>Channel``, ``<prefix>Uniqueid`` and
    ``<prefix>ChannelState``: a global ``VarSet`` (``Channel: none``) or an
    ``OriginateResponse`` is not a snapshot.  Equal values make equal snapshots, so a channel
    whose block has not changed since its last event can be left as it is without reading the
    block again (:meth:`cti.ami.channel_table.ChannelTable.touch`).
    """
    keys = _SNAPSHOT_KEYS.get(prefix) or _SNAPSHOT_KEYS.setdefault(
        prefix, tuple(prefix + name for name in SnapshotValues._fields)
    )
    values = tuple.__new__(SnapshotValues, map(headers.get, keys))  # without the checks of __new__
    uniqueid = values.uniqueid
    if not uniqueid or not values.channel or values.channelstate is None or uniqueid == "none":
        return None
    return values


_SNAPSHOT_KEYS: dict[str, tuple[str, ...]] = {}


def _caller(block: SnapshotValues) -> Party:
    return _party(known(block.calleridnum), known(block.calleridname))


def _connected(block: SnapshotValues) -> Party:
    return _party(known(block.connectedlinenum), known(block.connectedlinename))


# For each position of SnapshotValues: the ChannelSnapshot field that value feeds, read as
# ChannelSnapshot.from_values reads it.  Two blocks differing only at some positions make
# snapshots differing at most in those positions' fields.
BLOCK_FIELDS: tuple[tuple[str, Callable[[SnapshotValues], Any]], ...] = (
    ("linkedid", lambda b: b.linkedid or b.uniqueid),  # uniqueid: the linkedid when it has none
    ("name", lambda b: b.channel),
    ("state", lambda b: to_int(b.channelstate, -1)),
    ("linkedid", lambda b: b.linkedid or b.uniqueid),
    ("state_desc", lambda b: b.channelstatedesc or ""),
    ("caller", _caller),
    ("caller", _caller),
    ("connected", _connected),
    ("connected", _connected),
    ("language", lambda b: b.language or ""),
    ("account_code", lambda b: b.accountcode or ""),
    ("context", lambda b: b.context or ""),
    ("exten", lambda b: b.exten or ""),
    ("priority", lambda b: to_int(b.priority, 0)),
)


@dataclass(frozen=True, slots=True)
class OriginateOutcome:
    """What became of an ``Originate`` sent with ``Async: true`` (its ``OriginateResponse``)."""

    action_id: str
    success: bool
    reason: int
    channel: str
    uniqueid: str | None  # of the originated channel; None when it never came up
    caller: Party
    response: str  # "Success" or "Failure"

    @property
    def reason_text(self) -> str:
        return ORIGINATE_REASONS.get(self.reason, f"reason {self.reason}")

    @classmethod
    def from_event(cls, event: AmiMessage) -> OriginateOutcome:
        return cls.read(header_map(event))

    @classmethod
    def read(cls, h: Mapping[str, str]) -> OriginateOutcome:
        response = h.get("response", "")
        uniqueid = known(h.get("uniqueid"))
        return cls(
            action_id=h.get("actionid", ""),
            success=response.lower() == "success",
            reason=to_int(h.get("reason"), 0),
            channel=h.get("channel", ""),
            uniqueid=uniqueid or None,
            caller=Party(known(h.get("calleridnum")), known(h.get("calleridname"))),
            response=response,
        )


@dataclass(frozen=True, slots=True)
class CdrRecord:
    """The main fields of a ``Cdr`` event (cdr_manager), one per channel leg."""

    uniqueid: str
    channel: str
    destination_channel: str
    source: str
    destination: str
    destination_context: str
    caller_id: str
    last_application: str
    last_data: str
    start_time: str
    answer_time: str
    end_time: str
    duration_s: int
    billable_s: int
    disposition: str
    account_code: str
    user_field: str

    @classmethod
    def read(cls, headers: Mapping[str, str]) -> CdrRecord:
        get = headers.get
        return _cdr(  # CdrRecord(uniqueid=..., ...) in field order, without the frozen __init__
            get("uniqueid", ""),
            get("channel", ""),
            get("destinationchannel", ""),
            get("source", ""),
            get("destination", ""),
            get("destinationcontext", ""),
            get("callerid", ""),
            get("lastapplication", ""),
            get("lastdata", ""),
            get("starttime", ""),
            get("answertime", ""),
            get("endtime", ""),
            to_int(get("duration"), 0),
            to_int(get("billableseconds"), 0),
            get("disposition", ""),
            get("accountcode", ""),
            get("userfield", ""),
        )


_cdr = builder(CdrRecord)
