"""What the ACD needs to hear from Asterisk, read off the AMI call-state changes.  No I/O.

:class:`SignalReader` takes the changes :class:`cti.ami.state.CallState` reports
(``AmiClient.changes()``), in order, and returns the few that matter to the ACD:

* :class:`DialEnded` — a caller's ``Dial()`` of an agent in ``[acd-connect]`` ended: the
  ``DialEnd`` of the caller's channel (not the agent's leg), with the agent's extension (the
  extension the caller was redirected to) and ``DIALSTATUS`` (``ANSWER``, ``NOANSWER``, ``BUSY``…);
* :class:`CallerGone` — a channel in ``[acd-wait]`` or ``[acd-connect]`` hung up (or was found
  gone when the AMI session was re-established): the caller left, whenever that was;
* :class:`CallbackAnswered` / :class:`CallbackEnded` — the agent's channel of a callback (it
  carries ``HOTLINE_CALLBACK``) came up, and went away (answered or not; with the ``DIALSTATUS``
  of its Dial of the customer, so a customer who did not answer is told apart);
* :class:`Resync` — the AMI session was (re)established and the channel table re-read: whatever
  the ACD holds should be compared with it.

A channel is identified by its ``Uniqueid``, which is the ACD's entry id for a caller.  Everything
else (a caller still in the IVR, agents' legs, QA calls, other systems' calls) is ignored; so
are events of calls the ACD does not hold — the reader does not know, the consumer checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from cti.acd_bridge.dialplan import CALLBACK, CALLBACK_AGENT, CALLER_CONTEXTS, CONNECT_CONTEXT
from cti.ami.channels import Change, Channel, ChannelAdded, ChannelRemoved, ChannelUpdated, Resynced

__all__ = [
    "CallbackAnswered",
    "CallbackEnded",
    "CallerGone",
    "DialEnded",
    "Resync",
    "Signal",
    "SignalReader",
]

# ChannelRemoved reasons that mean the channel is gone (not merely forgotten by a full table)
_GONE = frozenset({"Hangup", "CoreShowChannelsComplete"})


@dataclass(frozen=True, slots=True)
class DialEnded:
    uniqueid: str  # the caller's channel: the ACD entry
    extension: str  # the agent's extension it dialled
    status: str  # DIALSTATUS


@dataclass(frozen=True, slots=True)
class CallerGone:
    uniqueid: str
    context: str


@dataclass(frozen=True, slots=True)
class CallbackAnswered:
    request_id: str
    agent_id: str
    uniqueid: str  # the agent's channel


@dataclass(frozen=True, slots=True)
class CallbackEnded:
    request_id: str
    agent_id: str
    answered: bool
    customer: str | None = None  # the DIALSTATUS of the agent's Dial of the customer, when it dialled


@dataclass(frozen=True, slots=True)
class Resync:
    channels: int


Signal: TypeAlias = DialEnded | CallerGone | CallbackAnswered | CallbackEnded | Resync


class SignalReader:
    """Feed it every change, in order; it remembers which callback channels came up."""

    def __init__(self) -> None:
        self._callbacks_up: set[str] = set()

    def feed(self, change: Change) -> list[Signal]:
        if isinstance(change, ChannelUpdated):
            return self._updated(change)
        if isinstance(change, ChannelAdded):
            return self._callback_up(change.channel)
        if isinstance(change, ChannelRemoved):
            return self._removed(change)
        if isinstance(change, Resynced):
            return [Resync(change.channels)]
        return []

    def _updated(self, change: ChannelUpdated) -> list[Signal]:
        after = change.after
        if (
            change.event.lower() == "dialend"
            and after.context == CONNECT_CONTEXT
            and after.dialed_by is None  # the caller, not the agent's leg
            and after.dial_status
            and after.dial_status != change.before.dial_status
        ):
            return [DialEnded(after.uniqueid, after.exten, after.dial_status)]
        return self._callback_up(after)

    def _callback_up(self, channel: Channel) -> list[Signal]:
        if not channel.is_up or channel.uniqueid in self._callbacks_up:
            return []
        request = channel.variable(CALLBACK)
        if not request:
            return []
        self._callbacks_up.add(channel.uniqueid)
        return [CallbackAnswered(request, channel.variable(CALLBACK_AGENT) or "", channel.uniqueid)]

    def _removed(self, change: ChannelRemoved) -> list[Signal]:
        channel = change.channel
        answered = channel.uniqueid in self._callbacks_up
        self._callbacks_up.discard(channel.uniqueid)
        if change.event not in _GONE:
            return []
        request = channel.variable(CALLBACK)
        if request:
            agent_id = channel.variable(CALLBACK_AGENT) or ""
            return [CallbackEnded(request, agent_id, answered, channel.dial_status or None)]
        if channel.context in CALLER_CONTEXTS and channel.dialed_by is None:
            return [CallerGone(channel.uniqueid, channel.context)]
        return []
