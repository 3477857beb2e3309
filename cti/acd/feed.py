"""Asterisk's side of a call, told to the ACD: the AMI event consumer of a CTI node.

:class:`AmiFeed` reads the AMI client's call-state changes in order (one stream, so a ``DialEnd``
is always handled before the ``Hangup`` that follows it), turns them into signals
(:mod:`cti.acd.signals`) and reports them to :class:`acd.service.AcdService`:

=======================================  ==============================================
``DialEnd`` ANSWER of the offered agent  ``agent_answered``
``DialEnd`` NOANSWER/BUSY/CHANUNAVAIL…   ``agent_not_answered`` (agent paused, call back at the head)
caller's channel hung up / found gone    ``call_hung_up`` (abandonment before the answer, end after)
callback: agent's channel up / gone      ``agent_answered`` / ``call_hung_up`` or ``agent_not_answered``
AMI session (re)established              :meth:`AmiFeed.resync`
=======================================  ==============================================

Every node connected to the Asterisk sees every event, and every node reports what it sees: the
ACD's compare-and-set steps make a second report of the same fact a no-op (``False``), and a
report about a call the ACD does not hold (never queued, already over, another system's call) is
one store read and nothing else.  A ``DialEnd`` counts only for the agent the call is offered to
now (the extension must match), so a late event of an earlier offer changes nothing; an answer
the ACD no longer wants (the offer timed out meanwhile) takes the caller back to ``[acd-wait]``.

When the AMI session comes back after a cut, or the change stream overflowed, :meth:`resync`
compares the ACD's calls with the channels Asterisk lists: a caller whose channel is gone has
left; a ringing offer whose dial is over is settled from the channel's state.  This assumes the
ACD's store serves one Asterisk (or one cluster whose channels every node sees).
"""

from __future__ import annotations

import asyncio

import structlog

from acd.errors import AcdError
from acd.model import CallbackRequest
from acd.service import AcdService
from acd.store import CallPhase
from cti.acd.dialplan import CALLBACK, CONNECT_CONTEXT, FINAL_DIAL_STATUSES
from cti.acd.signals import (
    CallbackAnswered,
    CallbackEnded,
    CallerGone,
    DialEnded,
    Resync,
    Signal,
    SignalReader,
)
from cti.acd.telephony import AmiTelephony
from cti.ami.client import AmiClient

__all__ = ["AmiFeed", "run_feed"]

log = structlog.get_logger(__name__)


class AmiFeed:
    def __init__(self, ami: AmiClient, service: AcdService, telephony: AmiTelephony) -> None:
        self._ami = ami
        self._service = service
        self._store = service.store
        self._telephony = telephony
        self.signals = 0  # signals handled (for tests and metrics)
        self.resyncs = 0

    async def run(self) -> None:
        """Consume the AMI client's changes until cancelled."""
        reader = SignalReader()
        async with self._ami.changes() as changes:
            await self._ami.connected.wait()
            await self.resync()
            dropped = changes.dropped
            async for change in changes:
                for signal in reader.feed(change):
                    await self.handle(signal)
                if changes.dropped != dropped:
                    dropped = changes.dropped
                    log.warning("acd feed lost AMI changes; resynchronising", dropped=dropped)
                    await self.resync()

    async def handle(self, signal: Signal) -> None:
        """Report one signal; a failure is logged and never stops the feed."""
        self.signals += 1
        try:
            match signal:
                case DialEnded(uniqueid=uid, extension=ext, status=status):
                    await self.dial_ended(uid, ext, status)
                case CallerGone(uniqueid=uid):
                    await self._service.call_hung_up(uid)
                case CallbackAnswered(request_id=request, agent_id=agent_id):
                    await self._callback_answered(request, agent_id)
                case CallbackEnded(request_id=request, agent_id=agent_id, answered=answered):
                    await self._callback_ended(request, agent_id, answered)
                case Resync():
                    await self.resync()
        except AcdError as exc:
            log.warning("acd feed: signal not applied", signal=repr(signal), error=str(exc))
        except Exception:
            log.exception("acd feed: signal failed", signal=repr(signal))

    async def dial_ended(self, uniqueid: str, extension: str, status: str) -> None:
        """The caller's Dial of ``extension`` ended with ``status`` (also told by the wait handler
        when the dialplan brings the caller back without an answer)."""
        record = await self._store.call(uniqueid)
        if record is None or record.agent_id is None:
            return
        agent = await self._store.agent(record.agent_id)
        if agent is None:
            return
        dialled = agent.extension == extension
        if status == "CANCEL":
            return  # the caller hung up or was redirected: the ACD hears of that on its own
        if status != "ANSWER":
            if dialled and record.phase is CallPhase.OFFERED:
                await self._service.agent_not_answered(uniqueid, agent.id)
            return
        if dialled and await self._service.agent_answered(uniqueid, agent.id):
            return
        await self._late_answer(uniqueid, extension)

    async def resync(self) -> None:
        """Compare every call the ACD holds with the channels Asterisk has now."""
        self.resyncs += 1
        settled = 0
        for record in await self._store.calls():
            entry = record.entry
            try:
                if isinstance(entry, CallbackRequest):
                    settled += await self._resync_callback(entry, record.phase, record.agent_id)
                    continue
                channel = self._ami.state.channel(entry.uniqueid)
                if channel is None:
                    settled += await self._service.call_hung_up(entry.entry_id)
                elif record.phase is CallPhase.OFFERED and record.agent_id is not None:
                    agent = await self._store.agent(record.agent_id)
                    ringing = agent is not None and channel.exten == agent.extension
                    if agent is None or not ringing or channel.context != CONNECT_CONTEXT:
                        continue  # still on its way to the agent, or back in line (its AGI tells)
                    # a channel listed after a reconnect keeps the dial status last seen; being
                    # in a bridge in [acd-connect] is what says the agent answered meanwhile
                    if channel.bridge_id is not None or channel.dial_status == "ANSWER":
                        await self.dial_ended(entry.uniqueid, agent.extension, "ANSWER")
                        settled += 1
                    elif channel.dial_status in FINAL_DIAL_STATUSES:
                        await self.dial_ended(entry.uniqueid, agent.extension, channel.dial_status)
                        settled += 1
            except AcdError as exc:
                log.warning("acd resync: call not settled", uniqueid=entry.uniqueid, error=str(exc))
        log.info("acd resync", channels=len(self._ami.state), settled=settled)

    # -- inside ---------------------------------------------------------------------------
    async def _late_answer(self, uniqueid: str, extension: str) -> None:
        """An agent answered an offer the ACD has given up (ring timeout, agent logged out)."""
        record = await self._store.call(uniqueid)
        if record is None:
            return  # the caller left meanwhile
        if record.phase is CallPhase.CONNECTED:
            agent = await self._store.agent(record.agent_id or "")
            if agent is not None and agent.extension == extension:
                return  # another node reported this answer first
        if record.phase is CallPhase.WAITING:
            log.warning("acd late answer: caller back to the queue", uniqueid=uniqueid, extension=extension)
            await self._telephony.withdraw(uniqueid)
        # offered to someone else: that offer's redirect takes the caller out already

    async def _callback_answered(self, request_id: str, agent_id: str) -> None:
        if await self._service.agent_answered(request_id, agent_id):
            return
        record = await self._store.call(request_id)
        if record is not None and record.phase is CallPhase.CONNECTED and record.agent_id == agent_id:
            return  # another node reported it
        log.warning("acd callback answered too late: hanging up", request=request_id, agent=agent_id)
        await self._telephony.hang_up_callback(request_id)

    async def _callback_ended(self, request_id: str, agent_id: str, answered: bool) -> None:
        record = await self._store.call(request_id)
        if record is None or record.agent_id != agent_id:
            return
        if record.phase is CallPhase.CONNECTED:
            await self._service.call_hung_up(request_id)
        elif record.phase is CallPhase.OFFERED:
            if answered and await self._service.agent_answered(request_id, agent_id):
                await self._service.call_hung_up(request_id)
            else:
                await self._service.agent_not_answered(request_id, agent_id)

    async def _resync_callback(self, request: CallbackRequest, phase: CallPhase, agent_id: str | None) -> int:
        if phase is CallPhase.WAITING or agent_id is None:
            return 0
        channels = [ch for ch in self._ami.state if ch.variable(CALLBACK) == request.request_id]
        if not channels:
            if phase is CallPhase.CONNECTED:
                return int(await self._service.call_hung_up(request.request_id))
            return 0  # the Originate may still be on its way; the ring timeout settles it
        if phase is CallPhase.OFFERED and any(ch.is_up for ch in channels):
            return int(await self._service.agent_answered(request.request_id, agent_id))
        return 0


async def run_feed(feed: AmiFeed) -> None:
    """Run the feed for ever; a crash (a bug) is logged and the feed restarts."""
    while True:
        try:
            await feed.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("acd feed crashed; restarting")
            await asyncio.sleep(1.0)
