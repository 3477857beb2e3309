"""Asterisk's side of a call, told to the ACD: the AMI event consumer of a CTI node.

:class:`AmiFeed` reads the AMI client's call-state changes in order (one stream, so a ``DialEnd``
is always handled before the ``Hangup`` that follows it), turns them into signals
(:mod:`cti.acd_bridge.signals`) and reports them to :class:`acd.service.AcdService`:

=======================================  ==============================================
``DialEnd`` ANSWER of the offered agent  ``agent_answered``
``DialEnd`` NOANSWER/BUSY/CHANUNAVAIL…   ``agent_not_answered`` (agent paused, call back at the head)
caller's channel hung up / found gone    ``call_hung_up`` (abandonment before the answer, end after)
callback: agent's channel up / gone      ``agent_answered`` / ``call_hung_up`` or ``agent_not_answered``
callback: the customer did not answer    ``call_hung_up``, then ``on_callback_unanswered`` (a retry)
AMI session (re)established              :meth:`AmiFeed.resync`
a report the store could not take        :meth:`AmiFeed.heal` resyncs once it is back
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

The feed reads on while its reports are made: each is put in its call's lane
(:mod:`cti.acd_bridge.lanes`) -- the reports of one call in the order heard, those of different
calls side by side -- because a report may route the next call, and routing waits on Asterisk (the
AMI session, the caller's channel).  A resync runs beside the reports too, one at a time, each
call compared in its lane after what was heard of it before.

When the store itself is away (Redis unreachable), a report fails with
:class:`~acd.errors.StoreUnavailable` and the fact would be lost: a caller who hung up meanwhile
would hold their agent on call for ever.  The feed then marks itself :attr:`AmiFeed.stale`, and
:meth:`AmiFeed.heal` (a task of the node) repeats :meth:`resync` until one goes through whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

import structlog

from acd.errors import AcdError, StoreUnavailable
from acd.model import CallbackRequest
from acd.service import AcdService
from acd.store import CallPhase
from cti.acd_bridge.dialplan import CALLBACK, CONNECT_CONTEXT, FINAL_DIAL_STATUSES
from cti.acd_bridge.lanes import CallLanes
from cti.acd_bridge.signals import (
    CallbackAnswered,
    CallbackEnded,
    CallerGone,
    DialEnded,
    Resync,
    Signal,
    SignalReader,
)
from cti.acd_bridge.telephony import AmiTelephony
from cti.ami.client import AmiClient

__all__ = ["AmiFeed", "CallbackUnanswered", "run_feed"]

log = structlog.get_logger(__name__)

CallbackUnanswered = Callable[[CallbackRequest, float, str, str], Awaitable[object]]


class AmiFeed:
    def __init__(self, ami: AmiClient, service: AcdService, telephony: AmiTelephony) -> None:
        self._ami = ami
        self._service = service
        self._store = service.store
        self._telephony = telephony
        self.signals = 0  # signals handled (for tests and metrics)
        # a connected callback whose customer did not answer: (request, score, agent, DIALSTATUS)
        self.on_callback_unanswered: CallbackUnanswered | None = None
        self.resyncs = 0
        # a report or a resync failed because the store was away: resync once it is back
        self.stale = False
        # the channel listing (one per AMI session, cti.ami.resync) the last resync compared the ACD with
        self._synced_listing = 0
        self.synced = asyncio.Event()  # set once the ACD was first compared with Asterisk's channels
        self.lanes = CallLanes("acd feed")  # the reports and comparisons of each call, in order
        self._resync_lock = asyncio.Lock()  # one resync at a time
        self._resync_wanted = False
        self._resyncing: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Consume the AMI client's changes until cancelled."""
        reader = SignalReader()
        async with self._ami.changes() as changes:
            await self._ami.connected.wait()
            await self.resync()
            self.synced.set()
            dropped = changes.dropped
            async for change in changes:
                for signal in reader.feed(change):
                    self._report(signal)
                if changes.dropped != dropped:
                    dropped = changes.dropped
                    log.warning("acd feed lost AMI changes; resynchronising", dropped=dropped)
                    self._resync_soon()

    async def close(self) -> None:
        """Stop what runs beside the feed (the node is stopping; :meth:`run` was cancelled)."""
        if self._resyncing is not None:
            self._resyncing.cancel()
            await asyncio.gather(self._resyncing, return_exceptions=True)
        await self.lanes.aclose()

    def _report(self, signal: Signal) -> None:
        """Start reporting ``signal`` without waiting for it: in its call's lane, or a resync."""
        match signal:
            case Resync():
                self._resync_soon()
            case DialEnded(uniqueid=call) | CallerGone(uniqueid=call):
                self.lanes.put(call, partial(self.handle, signal))
            case CallbackAnswered(request_id=call) | CallbackEnded(request_id=call):
                self.lanes.put(call, partial(self.handle, signal))

    def _resync_soon(self) -> None:
        """Resync beside the reports; asked for while one runs, one more runs after it."""
        self._resync_wanted = True
        if self._resyncing is None or self._resyncing.done():
            self._resyncing = asyncio.create_task(self._resync_while_wanted(), name="acd feed resync")

    async def _resync_while_wanted(self) -> None:
        while self._resync_wanted:
            self._resync_wanted = False
            try:
                await self.resync()
            except AcdError as exc:  # the store away: stale, healed later
                log.warning("acd resync failed", error=str(exc))
            except Exception:
                log.exception("acd resync failed")

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
                case CallbackEnded(
                    request_id=request, agent_id=agent_id, answered=answered, customer=customer
                ):
                    await self._callback_ended(request, agent_id, answered, customer)
                case Resync():
                    await self.resync()
        except StoreUnavailable as exc:
            self.stale = True
            log.warning("acd feed: store away, signal kept for a resync", signal=repr(signal), error=str(exc))
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
        """Compare every call the ACD holds with the channels Asterisk has now: each in its call's
        lane (after the reports of it already heard), side by side; done when all are."""
        async with self._resync_lock:
            self.resyncs += 1
            listing = self._ami.state.stats.resyncs
            self.stale = True  # until every call has been compared
            calls = [record.entry_id for record in await self._store.calls()]
            outcomes = await asyncio.gather(
                *(self.lanes.run(call, partial(self._compare, call)) for call in calls)
            )
            missed = None in outcomes
            self.stale = missed
            self._synced_listing = listing
            settled = sum(n for n in outcomes if n is not None)
            log.info("acd resync", channels=len(self._ami.state), settled=settled, complete=not missed)

    async def _compare(self, call: str) -> int | None:
        """Settle one call from the channels Asterisk has now: how many facts were reported (0 or
        1), None when the store was away."""
        try:
            record = await self._store.call(call)
            if record is None:
                return 0  # over meanwhile
            entry = record.entry
            if entry.server and entry.server != self._service.node_id:
                return 0  # a caller (callback) of another Asterisk server: not among its channels
            if isinstance(entry, CallbackRequest):
                return await self._resync_callback(entry, record.phase, record.agent_id)
            channel = self._ami.state.channel(entry.uniqueid)
            if channel is None:
                return int(await self._service.call_hung_up(entry.entry_id))
            if record.phase is not CallPhase.OFFERED or record.agent_id is None:
                return 0
            agent = await self._store.agent(record.agent_id)
            ringing = agent is not None and channel.exten == agent.extension
            if agent is None or not ringing or channel.context != CONNECT_CONTEXT:
                return 0  # still on its way to the agent, or back in line (its AGI tells)
            # a channel listed after a reconnect keeps the dial status last seen; being in a
            # bridge in [acd-connect] is what says the agent answered meanwhile
            if channel.bridge_id is not None or channel.dial_status == "ANSWER":
                await self.dial_ended(entry.uniqueid, agent.extension, "ANSWER")
                return 1
            if channel.dial_status in FINAL_DIAL_STATUSES:
                await self.dial_ended(entry.uniqueid, agent.extension, channel.dial_status)
                return 1
            return 0
        except StoreUnavailable as exc:
            log.warning("acd resync: store away", uniqueid=call, error=str(exc))
            return None
        except AcdError as exc:
            log.warning("acd resync: call not settled", uniqueid=call, error=str(exc))
            return 0

    def blind(self) -> bool:
        """Whether the ACD cannot trust what it has heard: no AMI session, or one whose channel
        listing was not yet compared with the ACD (what happened during the cut is not known yet).

        Counted in listings, not sessions: the listing's ``Resynced`` change may reach the feed (and
        its resync run) before the supervisor counts the session as ready -- counting sessions left
        the feed blind for the whole session after such a reconnect (seen on a restarted Asterisk),
        and a blind feed holds every ring time-out."""
        return not self._ami.connected.is_set() or self._synced_listing != self._ami.state.stats.resyncs

    async def heal(self, every_s: float = 1.0) -> None:
        """Until cancelled: every ``every_s`` seconds, resync if a report was lost to the store."""
        while True:
            await asyncio.sleep(every_s)
            if not self.stale or not self._ami.connected.is_set():
                continue
            try:
                await self.resync()
            except AcdError as exc:
                log.warning("acd feed: store still away", error=str(exc))

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

    async def _callback_ended(
        self, request_id: str, agent_id: str, answered: bool, customer: str | None = None
    ) -> None:
        record = await self._store.call(request_id)
        if record is None or record.agent_id != agent_id:
            return
        if record.phase is CallPhase.CONNECTED:
            await self._service.call_hung_up(request_id)
            entry = record.entry
            unanswered = customer is not None and customer != "ANSWER"
            if unanswered and isinstance(entry, CallbackRequest) and self.on_callback_unanswered is not None:
                await self.on_callback_unanswered(entry, record.score, agent_id, customer or "")
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
