"""The port through which the ACD acts on calls; the lead's AMI bridge implements it.

The ACD decides, the telephony side carries out.  Results come back as calls to
:class:`acd.service.AcdService` (``agent_answered``, ``agent_not_answered``, ``call_hung_up``),
typically driven by AMI ``DialEnd`` / ``BridgeEnter`` / ``Hangup`` events.

Every method may raise :class:`~acd.errors.CallerGone` (the caller's channel no longer exists)
or :class:`~acd.errors.TelephonyError` (anything else that failed); the service turns those into
state changes (abandon; pause the agent and requeue the call) and never lets them escape.
"""

from __future__ import annotations

import enum
from typing import Protocol

from acd.model import Agent, CallbackRequest, WaitingCall, WaitingEntry

__all__ = ["OfferEnd", "Telephony"]


class OfferEnd(enum.StrEnum):
    """Why an offer ended without a conversation (passed to :meth:`Telephony.cancel_offer`)."""

    NO_ANSWER = "no-answer"  # ring timeout or the agent's phone did not answer: caller back on hold
    CALLER_GONE = "caller-gone"  # the caller hung up: only stop ringing the agent
    AGENT_GONE = "agent-gone"  # agent logged out by a supervisor or its node died: caller back on hold
    CONNECT_FAILED = "connect-failed"  # connect/call_back raised: clean up whatever was started
    DEQUEUED = "dequeued"  # the call's owner took it out of the ACD: stop ringing the agent


class Telephony(Protocol):
    async def connect(self, call: WaitingCall, agent: Agent) -> None:
        """Ring ``agent`` for the waiting caller: redirect the caller into ``[acd-connect]``,
        which starts MixMonitor and Dials the agent's endpoint.  Return once the dial is under
        way; the answer is reported later through ``AcdService.agent_answered``."""
        ...

    async def call_back(self, request: CallbackRequest, agent: Agent) -> None:
        """Ring ``agent`` for a callback request; once the agent answers, dial ``request.number``
        and bridge.  Reported like :meth:`connect`, with ``request.request_id`` as the entry id."""
        ...

    async def cancel_offer(self, entry: WaitingEntry, agent: Agent, why: OfferEnd) -> None:
        """Stop ringing ``agent``.  Unless ``why`` is CALLER_GONE or DEQUEUED, a caller still on the
        line goes back to the waiting context (music on hold, announcements)."""
        ...

    async def return_to_queue(self, entry: WaitingEntry, agent: Agent) -> None:
        """After an escalation: take the caller from ``agent`` back to the waiting context."""
        ...
