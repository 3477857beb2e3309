"""The ACD's hands on Asterisk: :class:`acd.telephony.Telephony` carried out over AMI.

* ``connect`` — AMI ``Redirect`` of the waiting caller into ``[acd-connect]``, the agent's
  extension as the extension; the dialplan records and ``Dial``s the agent, and sends the caller
  back to ``[acd-wait]`` if nobody answers.  The answer comes back as a ``DialEnd``
  (:mod:`cti.acd_bridge.feed`).
* ``call_back`` — ``Originate`` of the agent's phone (``${AGENT_TECH}/<ext>${AGENT_SUFFIX}``,
  the dialplan's globals) into ``[acd-callback]``, the customer's number as the extension; the
  agent's channel carries the request id so its answer and end can be recognised.
* ``cancel_offer`` — stop ringing: a caller still in ``[acd-connect]`` whose ``Dial`` has not
  ended is redirected back to ``[acd-wait]`` (``Dial`` hangs up the agent's leg itself); when
  the caller is gone only the agent's ringing leg is hung up; a callback's agent channel is hung up.
* ``return_to_queue`` — after an escalation, the caller is redirected from the conversation
  back to ``[acd-wait]`` (the agent's leg ends with the bridge).

Channels are found in the AMI client's call state by the caller's ``Uniqueid`` (the ACD's entry
id).  A caller whose channel no longer exists raises :class:`acd.errors.CallerGone`; anything else
that fails raises :class:`acd.errors.TelephonyError`.  While the AMI session is down, actions
wait a little for it to come back before failing (an outage of ours should not pause agents).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from acd.errors import CallerGone, TelephonyError
from acd.model import Agent, CallbackRequest, WaitingCall, WaitingEntry
from acd.telephony import OfferEnd
from cti.acd_bridge.dialplan import (
    AGENT_SUFFIX,
    AGENT_TECH,
    CALLBACK,
    CALLBACK_AGENT,
    CALLBACK_CONTEXT,
    CONNECT_CONTEXT,
    DIALLED_AGENT,
    FINAL_DIAL_STATUSES,
    WAIT_CONTEXT,
    WAIT_EXTEN,
)
from cti.ami.channels import Channel
from cti.ami.client import AmiClient
from cti.ami.errors import AmiActionError, AmiError
from cti.ami.lookup import look_for_channel
from cti.ami.originate import PendingOriginate

__all__ = ["AmiTelephony", "CallbackFailed"]

# how long a failed Redirect waits for the caller's hang-up to show in the call state
HANGUP_GRACE_S = 0.5

# told when the agent's leg of a callback could not be set up or was not answered
CallbackFailed = Callable[[CallbackRequest, Agent], Awaitable[object]]

log = structlog.get_logger(__name__)


# how long a caller's channel unknown to the AMI state is looked for before they count as gone
CHANNEL_SETTLE_S = 2.0


class AmiTelephony:
    def __init__(self, ami: AmiClient, *, ring_timeout_s: float, reconnect_wait_s: float = 3.0) -> None:
        self._ami = ami
        self._ring_timeout_s = ring_timeout_s
        self._reconnect_wait_s = reconnect_wait_s
        self._originates: set[asyncio.Task[None]] = set()
        self.on_callback_failed: CallbackFailed | None = None

    # -- the Telephony port ---------------------------------------------------------------
    async def connect(self, call: WaitingCall, agent: Agent) -> None:
        await self._redirect(call, CONNECT_CONTEXT, agent.extension)
        log.info("acd redirect to agent", uniqueid=call.uniqueid, linkedid=call.linkedid, agent=agent.id)

    async def call_back(self, request: CallbackRequest, agent: Agent) -> None:
        await self._ready()
        try:
            tech = await self._ami.getvar(AGENT_TECH) or "PJSIP"
            suffix = await self._ami.getvar(AGENT_SUFFIX)
            pending = await self._ami.originate(
                f"{tech}/{agent.extension}{suffix}",
                context=CALLBACK_CONTEXT,
                exten=request.number,
                priority=1,
                caller_id=f'"Callback" <{request.number}>',
                timeout_ms=int(self._ring_timeout_s * 1000),
                variables={
                    CALLBACK: request.request_id,
                    CALLBACK_AGENT: agent.id,
                    DIALLED_AGENT: agent.extension,
                },
            )
        except AmiError as exc:
            raise TelephonyError(f"callback {request.request_id}: Originate failed: {exc}") from exc
        log.info(
            "acd callback dialling agent",
            uniqueid=request.uniqueid,
            request=request.request_id,
            agent=agent.id,
        )
        task = asyncio.create_task(
            self._outcome(request, agent, pending), name=f"callback {request.request_id}"
        )
        self._originates.add(task)
        task.add_done_callback(self._originates.discard)

    async def cancel_offer(self, entry: WaitingEntry, agent: Agent, why: OfferEnd) -> None:
        if isinstance(entry, CallbackRequest):
            for channel in self._callback_channels(entry.request_id):
                await self._hangup(channel)
            return
        if why in (OfferEnd.CALLER_GONE, OfferEnd.DEQUEUED):
            for channel in self._ami.state:
                if channel.dialed_by == entry.uniqueid and not channel.is_up:
                    await self._hangup(channel)
            return
        caller = self._ami.state.channel(entry.uniqueid)
        if caller is None:
            return  # gone: the hang-up reaches the ACD on its own
        if caller.context == CONNECT_CONTEXT and caller.dial_status not in FINAL_DIAL_STATUSES:
            try:
                await self._redirect(entry, WAIT_CONTEXT, WAIT_EXTEN)
            except CallerGone:
                return
            log.info("acd offer withdrawn", uniqueid=entry.uniqueid, agent=agent.id, why=why.value)

    async def return_to_queue(self, entry: WaitingEntry, agent: Agent) -> None:
        if isinstance(entry, CallbackRequest):
            for channel in self._callback_channels(entry.request_id):
                await self._hangup(channel)
            return
        await self._redirect(entry, WAIT_CONTEXT, WAIT_EXTEN)
        log.info("acd caller back to the queue", uniqueid=entry.uniqueid, agent=agent.id)

    # -- used by the event feed -----------------------------------------------------------
    async def withdraw(self, uniqueid: str) -> None:
        """Take a caller out of a conversation the ACD did not give it (a late answer)."""
        caller = self._ami.state.channel(uniqueid)
        if caller is None:
            return
        try:
            await self._ami.redirect(caller.name, WAIT_CONTEXT, WAIT_EXTEN, 1)
        except AmiError as exc:
            log.warning("acd withdraw failed", uniqueid=uniqueid, error=str(exc))

    async def hang_up_callback(self, request_id: str) -> None:
        for channel in self._callback_channels(request_id):
            await self._hangup(channel)

    async def close(self) -> None:
        for task in list(self._originates):
            task.cancel()
        if self._originates:
            await asyncio.wait(self._originates)

    # -- inside ---------------------------------------------------------------------------
    async def _ready(self) -> None:
        if self._ami.connected.is_set():
            return
        try:
            await self._ami.wait_connected(self._reconnect_wait_s)
        except AmiError as exc:
            raise TelephonyError(f"no AMI session: {exc}") from exc

    async def _redirect(self, entry: WaitingEntry, context: str, exten: str) -> None:
        await self._ready()
        caller = await self._known_channel(entry.uniqueid)
        if caller is None:
            raise CallerGone(f"caller {entry.uniqueid} has no channel any more")
        try:
            await self._ami.redirect(caller.name, context, exten, 1)
        except AmiActionError as exc:
            if "not exist" in exc.message.lower() or await self._hanging_up(entry.uniqueid):
                raise CallerGone(f"caller {entry.uniqueid} hung up: {exc.message}") from exc
            raise TelephonyError(f"Redirect of {caller.name} to {exten}@{context}: {exc.message}") from exc
        except AmiError as exc:
            raise TelephonyError(f"Redirect of {caller.name} to {exten}@{context}: {exc}") from exc

    async def _known_channel(self, uniqueid: str) -> Channel | None:
        """The caller's channel; one the AMI state does not know is looked for again for up to
        :data:`CHANNEL_SETTLE_S` (another node may have heard of the caller first).  Raises
        :class:`TelephonyError` when the AMI session is lost meanwhile: the caller is not known
        gone then."""
        sighting = await look_for_channel(
            self._ami.state.channel, uniqueid, CHANNEL_SETTLE_S, seeing=self._ami.connected.is_set
        )
        if not sighting.seeing:
            raise TelephonyError(f"no AMI session while looking for caller {uniqueid}'s channel")
        return sighting.channel

    async def _hanging_up(self, uniqueid: str) -> bool:
        """Asterisk refuses to redirect a channel being hung up; its Hangup event may still be on
        the way.  True if the call state shows (or soon shows) the channel gone or going."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANGUP_GRACE_S
        while True:
            channel = self._ami.state.channel(uniqueid)
            if channel is None or channel.hangup_requested:
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.01)

    def _callback_channels(self, request_id: str) -> list[Channel]:
        return [ch for ch in self._ami.state if ch.variable(CALLBACK) == request_id]

    async def _hangup(self, channel: Channel) -> None:
        try:
            await self._ami.hangup(channel.name)
        except AmiActionError:
            pass  # already gone
        except AmiError as exc:
            log.warning("acd hangup failed", channel=channel.name, uniqueid=channel.uniqueid, error=str(exc))

    async def _outcome(self, request: CallbackRequest, agent: Agent, pending: PendingOriginate) -> None:
        """What became of the agent's leg.  An answer is acted on from the channel's own events
        (:mod:`cti.acd_bridge.feed`); a leg that never came up may have left no channel at all, so a
        failure is reported here (the ACD ignores the second report of the same failure)."""
        try:
            outcome = await pending.outcome()
        except AmiError as exc:
            log.warning("acd callback originate outcome unknown", request=request.request_id, error=str(exc))
            return
        log.info(
            "acd callback agent leg",
            request=request.request_id,
            uniqueid=outcome.uniqueid,
            answered=outcome.success,
            reason=outcome.reason_text,
        )
        if not outcome.success and self.on_callback_failed is not None:
            try:
                await self.on_callback_failed(request, agent)
            except Exception:
                log.exception("acd callback failure not recorded", request=request.request_id)
