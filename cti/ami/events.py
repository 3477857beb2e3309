"""Typed values read out of AMI events.

Asterisk (12 and later) embeds a *channel snapshot* in every channel event: ``Channel``,
``ChannelState``, ``ChannelStateDesc``, ``CallerIDNum``/``Name``, ``ConnectedLineNum``/``Name``,
``Language``, ``AccountCode``, ``Context``, ``Exten``, ``Priority``, ``Uniqueid``, ``Linkedid``.
Events about two channels carry a second block with a prefix (``DestChannel``,
``LocalOneUniqueid``, ``SpyeeLinkedid``...).  :meth:`ChannelSnapshot.read` reads one block.

Look-ups go through :func:`header_map` (names lower-cased once per event) rather than
:meth:`AmiMessage.get`, which scans all headers on every call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cti.ami.protocol import AmiMessage

__all__ = [
    "ORIGINATE_REASONS",
    "CdrRecord",
    "ChannelSnapshot",
    "OriginateOutcome",
    "Party",
    "header_map",
    "known",
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
        """The block whose header names start with ``prefix`` (lower case), or None if absent.

        A block needs at least ``<prefix>Channel``, ``<prefix>Uniqueid`` and
        ``<prefix>ChannelState``: a global ``VarSet`` (``Channel: none``) or an
        ``OriginateResponse`` is not a snapshot.
        """
        keys = _SNAPSHOT_KEYS.get(prefix) or _SNAPSHOT_KEYS.setdefault(
            prefix, tuple(prefix + name for name in _SNAPSHOT_HEADERS)
        )
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
        ) = map(headers.get, keys)
        if not uniqueid or not name or state is None or uniqueid == "none":
            return None
        return cls(
            name=name,
            uniqueid=uniqueid,
            linkedid=linkedid or uniqueid,
            state=to_int(state, -1),
            state_desc=desc or "",
            caller=Party(known(cid_num), known(cid_name)),
            connected=Party(known(col_num), known(col_name)),
            language=lang or "",
            account_code=account or "",
            context=context or "",
            exten=exten or "",
            priority=to_int(prio, 0),
        )


_SNAPSHOT_HEADERS = (
    "uniqueid",
    "channel",
    "channelstate",
    "linkedid",
    "channelstatedesc",
    "calleridnum",
    "calleridname",
    "connectedlinenum",
    "connectedlinename",
    "language",
    "accountcode",
    "context",
    "exten",
    "priority",
)
_SNAPSHOT_KEYS: dict[str, tuple[str, ...]] = {}


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
        return cls(
            uniqueid=get("uniqueid", ""),
            channel=get("channel", ""),
            destination_channel=get("destinationchannel", ""),
            source=get("source", ""),
            destination=get("destination", ""),
            destination_context=get("destinationcontext", ""),
            caller_id=get("callerid", ""),
            last_application=get("lastapplication", ""),
            last_data=get("lastdata", ""),
            start_time=get("starttime", ""),
            answer_time=get("answertime", ""),
            end_time=get("endtime", ""),
            duration_s=to_int(get("duration"), 0),
            billable_s=to_int(get("billableseconds"), 0),
            disposition=get("disposition", ""),
            account_code=get("accountcode", ""),
            user_field=get("userfield", ""),
        )
