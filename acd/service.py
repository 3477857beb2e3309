"""The ACD service: calls in, agents' states, offers out through the telephony port.

Life of a call: :meth:`AcdService.enqueue` → the store reserves an agent (an *offer*) →
:meth:`Telephony.connect` rings the agent → :meth:`AcdService.agent_answered` (connected) or a
ring timeout / :meth:`AcdService.agent_not_answered` (the agent is paused ``no-answer`` and the
call goes back to the head of its line) → :meth:`AcdService.call_hung_up` → wrap-up → available.
A caller hanging up earlier is an abandonment; :meth:`AcdService.escalate` hands a connected
call to a higher level with its history.

Every change is one atomic store step computed from the current versions; when another task or
node got there first the step is recomputed from fresh state (or found to be moot), so events
arriving in any order — an answer racing the caller's hang-up, a pause racing the ring — end in
a consistent state.  Telephony failures become state changes; they never escape a routing step.

Timers (ring timeout, wrap-up, overflow steps) are deadlines in the store, so any node can act
on them and they survive restarts: :meth:`AcdService.tick` acts on what is due, renews this
node's presence and logs out the agents of dead nodes; :meth:`AcdService.run` ticks for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable, Iterable
from dataclasses import replace

import structlog

from acd.agent_state import AgentEvent, AgentState, AgentStatus, Timings, transition
from acd.clock import Clock, SystemClock
from acd.errors import (
    AcdError,
    CallerGone,
    CallNotInPhase,
    ConcurrentUpdate,
    DuplicateCall,
    IllegalTransition,
    ModelError,
    UnknownAgent,
    UnknownCall,
)
from acd.events import (
    AcdEvent,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallbackRequested,
    CallEnded,
    CallEscalated,
    CallOffered,
    CallQueued,
    CallRemoved,
    CallRequeued,
    StepAdvanced,
)
from acd.model import Agent, AgentLevel, CallbackRequest, HistoryEntry, Segment, SkillRequirement, WaitingCall
from acd.overflow import RoutingConfig
from acd.stats import LiveStats
from acd.store import AcdStore, AgentWrite, CallDelete, CallPhase, CallPut, Change, Offer, QueuedCall
from acd.telephony import OfferEnd, Telephony
from cti.settings import AcdSettings

__all__ = ["AcdService"]

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 10
NODE_LOST_REASON = "node-lost"


class AcdService:
    def __init__(
        self,
        *,
        store: AcdStore,
        telephony: Telephony,
        routing: RoutingConfig,
        settings: AcdSettings,
        clock: Clock | None = None,
        listeners: Iterable[Callable[[AcdEvent], None]] = (),
    ) -> None:
        self.store = store
        self.routing = routing
        self.stats = LiveStats(settings.service_level_threshold_s, settings.wrapup_s)
        self._telephony = telephony
        self._clock = clock or SystemClock()
        self._timings = Timings(settings.ring_timeout_s, settings.wrapup_s)
        self._node = settings.node_id
        self._ttl = settings.presence_ttl_s
        self._last_heartbeat = -math.inf
        self._listeners: list[Callable[[AcdEvent], None]] = [self.stats.apply, *listeners]
        self._wake = asyncio.Event()

    @property
    def node_id(self) -> str:
        return self._node

    def subscribe(self, listener: Callable[[AcdEvent], None]) -> Callable[[], None]:
        """Receive every event after it is stored; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -- lifetime -------------------------------------------------------------------------
    async def start(self) -> None:
        """Announce this node and load the statistics' starting point from the store."""
        await self._keep_presence(force=True)
        self.stats.seed(await self.store.agents(), await self.store.statuses())
        self.stats.seed_waiting(
            c.entry for c in await self.store.calls() if c.phase is not CallPhase.CONNECTED
        )

    async def run(self) -> None:
        """Act on timers and keep this node's presence until cancelled."""
        await self.start()
        while True:
            delay = self._ttl / 3
            try:
                await self.tick()
                next_due = await self.store.next_due()
                if next_due is not None:
                    delay = min(delay, next_due - self._clock.now())
            except AcdError as exc:
                log.error("acd tick failed", error=str(exc), error_id=exc.error_id)
            self._wake.clear()
            try:
                async with asyncio.timeout(max(delay, 0.005)):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def heartbeat(self) -> None:
        """Renew this node's presence now (``tick`` does it too)."""
        await self._keep_presence(force=True)

    async def tick(self) -> int:
        """Renew presence, reap dead nodes, act on every due timer; returns how many were due."""
        await self._keep_presence(force=True)
        now = self._clock.now()
        await self._reap_dead_nodes(now)
        handled = 0
        while True:
            batch = await self.store.due(now, limit=200)
            for due in batch:
                try:
                    if due.kind == "agent":
                        await self._agent_due(due.id, now)
                    else:
                        await self._call_due(due.id, now)
                except AcdError as exc:
                    log.warning("acd timer failed", timer=due.kind, id=due.id, error=str(exc))
            handled += len(batch)
            if len(batch) < 200 or handled >= 10_000:
                return handled

    # -- agents ---------------------------------------------------------------------------
    async def register_agent(self, agent: Agent) -> None:
        """Add or update an agent's profile (a new agent starts logged out)."""
        await self.store.put_agent(agent, self._clock.now())

    async def agent(self, agent_id: str) -> Agent:
        agent = await self.store.agent(agent_id)
        if agent is None:
            raise UnknownAgent(agent_id)
        return agent

    async def status(self, agent_id: str) -> AgentStatus:
        status = await self.store.status(agent_id)
        if status is None:
            raise UnknownAgent(agent_id)
        return status

    async def login(self, agent_id: str) -> AgentStatus:
        await self._keep_presence()
        return await self._agent_event(agent_id, AgentEvent.LOGIN)

    async def logout(self, agent_id: str) -> AgentStatus:
        return await self._agent_event(agent_id, AgentEvent.LOGOUT)

    async def pause(self, agent_id: str, reason: str) -> AgentStatus:
        """Pause now, or — while ringing or on a call — as soon as the call and wrap-up are over."""
        return await self._agent_event(agent_id, AgentEvent.PAUSE, reason=reason)

    async def unpause(self, agent_id: str) -> AgentStatus:
        return await self._agent_event(agent_id, AgentEvent.UNPAUSE)

    async def ready(self, agent_id: str) -> AgentStatus:
        """End wrap-up early."""
        return await self._agent_event(agent_id, AgentEvent.READY)

    async def force_logout(self, agent_id: str, by: str) -> AgentStatus:
        """A supervisor logs the agent out; a call ringing for them goes back to the head of its line."""
        log.info("acd forced logout", agent=agent_id, by=by)
        return await self._agent_event(agent_id, AgentEvent.FORCE_LOGOUT)

    # -- calls ----------------------------------------------------------------------------
    async def enqueue(
        self,
        uniqueid: str,
        requirement: SkillRequirement,
        segment: Segment | str,
        prefecture: str,
        *,
        linkedid: str | None = None,
        caller_number: str | None = None,
    ) -> WaitingCall:
        """Put a caller in line (raises :class:`DuplicateCall` if already there) and route it."""
        now = self._clock.now()
        segment = Segment.parse(segment)
        rule = self.routing.rule_for(segment, requirement)
        call = WaitingCall(
            uniqueid, requirement, segment, prefecture, now, rule.name, linkedid, caller_number
        )
        score = self.routing.priority.score(segment, now)
        put = CallPut(call, CallPhase.WAITING, None, score, now, rule.state_at(call, now))
        if not await self.store.commit(Change(calls=(put,))):
            raise DuplicateCall(uniqueid)
        log.info(
            "acd call queued", uniqueid=uniqueid, linkedid=linkedid, rule=rule.name, skill=requirement.skill
        )
        self._emit(CallQueued(now, call, score))
        await self._route_call(uniqueid)
        return call

    async def request_callback(self, uniqueid: str, number: str) -> CallbackRequest:
        """Turn a waiting caller into a callback request that keeps the caller's place in line."""
        for _ in range(MAX_ATTEMPTS):
            now = self._clock.now()
            record = await self._call(uniqueid)
            if record.phase is not CallPhase.WAITING or not isinstance(record.entry, WaitingCall):
                raise CallNotInPhase(uniqueid, record.phase.value, CallPhase.WAITING.value)
            request = CallbackRequest.for_call(record.entry, number, now)
            put = CallPut(
                request, CallPhase.WAITING, None, record.score, now, self.routing.state_at(request, now)
            )
            if await self.store.commit(Change(calls=(CallDelete(uniqueid, record.version), put))):
                log.info("acd callback requested", uniqueid=uniqueid, request=request.request_id)
                self._emit(CallbackRequested(now, request))
                await self._route_call(request.request_id)
                return request
            if await self.store.call(request.request_id) is not None:
                raise DuplicateCall(request.request_id)
        raise ConcurrentUpdate(f"call {uniqueid!r} kept changing")

    async def dequeue(self, entry_id: str) -> bool:
        """The call's owner takes it out of the ACD (not an abandonment).  False if not there or
        already connected to an agent."""
        return await self._caller_left(entry_id, abandoned=False)

    async def call_hung_up(self, entry_id: str) -> bool:
        """The caller's channel hung up: an abandonment before the answer, the end of the call after.

        Returns False when the ACD does not hold the call (already handled, or never queued).
        """
        return await self._caller_left(entry_id, abandoned=True)

    async def agent_answered(self, entry_id: str, agent_id: str) -> bool:
        """The agent picked up.  False when the offer is no longer current (caller left, timed out)."""
        for _ in range(MAX_ATTEMPTS):
            now = self._clock.now()
            record = await self.store.call(entry_id)
            agent, status = await self._agent(agent_id)
            if not _offered_to(record, agent_id, status):
                log.info("acd stale answer", uniqueid=entry_id, agent=agent_id, state=status.state.value)
                return False
            assert record is not None
            new = transition(agent_id, status, AgentEvent.ANSWER, now, self._timings, entry_id=entry_id)
            put = CallPut(
                record.entry, CallPhase.CONNECTED, record.version, record.score, now, agent_id=agent_id
            )
            if await self.store.commit(Change((AgentWrite(agent_id, status.version, new),), (put,))):
                waited = now - record.entry.enqueued_at
                log.info("acd call answered", uniqueid=entry_id, agent=agent_id, waited_s=round(waited, 3))
                self._emit(AgentStateChanged(now, agent, status.state, new))
                self._emit(CallAnswered(now, record.entry, agent_id, waited))
                return True
        raise ConcurrentUpdate(f"call {entry_id!r} kept changing")

    async def agent_not_answered(self, entry_id: str, agent_id: str) -> bool:
        """The agent's phone did not answer (busy, unavailable, no answer): as a ring timeout."""
        return await self._offer_failed(entry_id, agent_id, AgentEvent.NO_ANSWER, OfferEnd.NO_ANSWER)

    async def escalate(
        self, entry_id: str, agent_id: str, to_level: AgentLevel, note: str = ""
    ) -> WaitingCall:
        """The agent hands the connected call to a senior or the manager hotline.

        The call goes back in line (keeping its place and history) with the requirement's level
        raised; the agent goes to wrap-up.  Returns the new waiting entry.
        """
        if to_level < AgentLevel.SENIOR:
            raise ModelError(f"escalation goes to senior or manager, not {to_level.label}")
        for _ in range(MAX_ATTEMPTS):
            now = self._clock.now()
            record = await self._call(entry_id)
            agent, status = await self._agent(agent_id)
            if record.phase is not CallPhase.CONNECTED or record.agent_id != agent_id:
                raise CallNotInPhase(entry_id, record.phase.value, f"connected to {agent_id}")
            if not isinstance(record.entry, WaitingCall):
                raise CallNotInPhase(entry_id, "callback", "a caller's call")
            new = transition(agent_id, status, AgentEvent.TRANSFER, now, self._timings, entry_id=entry_id)
            requirement = replace(record.entry.requirement, min_level=to_level)
            segment = record.entry.segment
            note_text = f"{agent.level.label}->{to_level.label}" + (f": {note}" if note else "")
            entry = replace(
                record.entry,
                requirement=requirement,
                enqueued_at=now,
                rule=self.routing.rule_for(segment, requirement).name,
                history=(*record.entry.history, HistoryEntry(now, "escalated", agent_id, note_text)),
            )
            put = CallPut(
                entry, CallPhase.WAITING, record.version, record.score, now, self.routing.state_at(entry, now)
            )
            if await self.store.commit(Change((AgentWrite(agent_id, status.version, new),), (put,))):
                log.info("acd call escalated", uniqueid=entry_id, agent=agent_id, to=to_level.label)
                self._emit(AgentStateChanged(now, agent, status.state, new))
                self._emit(CallEscalated(now, entry, agent_id, to_level))
                self._wake.set()
                try:
                    await self._telephony.return_to_queue(entry, agent)
                except CallerGone:
                    await self.call_hung_up(entry_id)
                    return entry
                except Exception:
                    log.exception("acd return_to_queue failed", uniqueid=entry_id, agent=agent_id)
                await self._route_call(entry_id)
                if new.state is AgentState.AVAILABLE:
                    await self._route_agent(agent_id)
                return entry
        raise ConcurrentUpdate(f"call {entry_id!r} kept changing")

    async def position(self, entry_id: str) -> tuple[int, float | None] | None:
        """(calls ahead in the same skill's line, expected wait in seconds) for a waiting call."""
        record = await self.store.call(entry_id)
        position = await self.store.position(entry_id)
        if record is None or position is None:
            return None
        return position, self.stats.expected_wait(record.entry.requirement.skill, position)

    # -- routing --------------------------------------------------------------------------
    async def _route_call(self, entry_id: str) -> None:
        await self._keep_presence()
        offer = await self.store.reserve_for_call(
            entry_id, self._clock.now(), self._timings.ring_timeout_s, self.routing.choice
        )
        if offer is not None:
            await self._deliver(offer)

    async def _route_agent(self, agent_id: str) -> None:
        await self._keep_presence()
        offer = await self.store.reserve_for_agent(
            agent_id, self._clock.now(), self._timings.ring_timeout_s, self.routing.choice
        )
        if offer is not None:
            await self._deliver(offer)

    async def _deliver(self, offer: Offer) -> None:
        entry, agent = offer.call.entry, offer.agent
        now = offer.status.since
        log.info("acd offer", uniqueid=entry.uniqueid, entry=entry.entry_id, agent=agent.id)
        self._emit(AgentStateChanged(now, agent, AgentState.AVAILABLE, offer.status))
        self._emit(CallOffered(now, entry, agent.id))
        self._wake.set()
        try:
            if isinstance(entry, CallbackRequest):
                await self._telephony.call_back(entry, agent)
            else:
                await self._telephony.connect(entry, agent)
        except CallerGone:
            log.info("acd caller gone at connect", uniqueid=entry.uniqueid, agent=agent.id)
            await self.call_hung_up(entry.entry_id)
        except Exception as exc:
            log.warning("acd connect failed", uniqueid=entry.uniqueid, agent=agent.id, error=repr(exc))
            await self._offer_failed(
                entry.entry_id, agent.id, AgentEvent.CONNECT_FAILED, OfferEnd.CONNECT_FAILED
            )

    # -- changes --------------------------------------------------------------------------
    async def _agent_event(
        self, agent_id: str, event: AgentEvent, *, reason: str | None = None, node_lost: bool = False
    ) -> AgentStatus:
        """An agent-side event (login, pause, logout, end of wrap-up...); a ringing call of an agent
        logged out goes back to its line; a node loss also closes the agent's connected call."""
        for _ in range(MAX_ATTEMPTS):
            now = self._clock.now()
            agent, status = await self._agent(agent_id)
            new = transition(agent_id, status, event, now, self._timings, reason=reason, node=self._node)
            calls: tuple[CallPut | CallDelete, ...] = ()
            record = await self.store.call(status.entry_id) if status.entry_id else None
            if record is not None and record.agent_id == agent_id and new.state is AgentState.LOGGED_OUT:
                if record.phase is CallPhase.OFFERED:
                    calls = (self._requeue(record, now, "agent-left", agent_id),)
                elif record.phase is CallPhase.CONNECTED and node_lost:
                    calls = (CallDelete(record.entry_id, record.version),)
            if not await self.store.commit(Change((AgentWrite(agent_id, status.version, new),), calls)):
                continue
            log.info(
                "acd agent", agent=agent_id, agent_event=event.value, state=new.state.value, reason=new.reason
            )
            self._emit(AgentStateChanged(now, agent, status.state, new))
            if new.deadline is not None:
                self._wake.set()
            if calls and record is not None:
                if isinstance(calls[0], CallPut):
                    self._emit(CallRequeued(now, record.entry, agent_id, "agent-left"))
                    await self._cancel(record.entry, agent, OfferEnd.AGENT_GONE)
                    await self._route_call(record.entry_id)
                else:
                    self._emit(CallEnded(now, record.entry, agent_id, now - record.since))
            if new.state is AgentState.AVAILABLE:
                await self._route_agent(agent_id)
            return new
        raise ConcurrentUpdate(f"agent {agent_id!r} kept changing")

    async def _offer_failed(self, entry_id: str, agent_id: str, event: AgentEvent, why: OfferEnd) -> bool:
        """No answer or connect failure: pause the agent, the call back to the head of its line."""
        for _ in range(MAX_ATTEMPTS):
            now = self._clock.now()
            record = await self.store.call(entry_id)
            agent, status = await self._agent(agent_id)
            if not _offered_to(record, agent_id, status):
                return False
            assert record is not None
            new = transition(agent_id, status, event, now, self._timings, entry_id=entry_id)
            put = self._requeue(record, now, why.value, agent_id)
            if await self.store.commit(Change((AgentWrite(agent_id, status.version, new),), (put,))):
                log.info("acd offer failed", uniqueid=record.entry.uniqueid, agent=agent_id, why=why.value)
                self._emit(AgentStateChanged(now, agent, status.state, new))
                self._emit(CallRequeued(now, put.entry, agent_id, why.value))
                await self._cancel(put.entry, agent, why)
                await self._route_call(entry_id)
                return True
        raise ConcurrentUpdate(f"call {entry_id!r} kept changing")

    async def _caller_left(self, entry_id: str, *, abandoned: bool) -> bool:
        for _ in range(MAX_ATTEMPTS):
            record = await self.store.call(entry_id)
            if record is None:
                return False
            if record.phase is CallPhase.CONNECTED:
                if not abandoned:
                    return False
                if await self._end_connected(record):
                    return True
            elif await self._end_unanswered(record, abandoned=abandoned):
                return True
        raise ConcurrentUpdate(f"call {entry_id!r} kept changing")

    async def _end_unanswered(self, record: QueuedCall, *, abandoned: bool) -> bool:
        """Take a waiting or offered call out (caller hung up, or dequeued); free a rung agent.
        False when the record changed meanwhile."""
        now = self._clock.now()
        entry_id = record.entry_id
        writes: tuple[AgentWrite, ...] = ()
        agent: Agent | None = None
        status: AgentStatus | None = None
        if record.phase is CallPhase.OFFERED and record.agent_id is not None:
            agent, status = await self._agent(record.agent_id)
            if _offered_to(record, agent.id, status):
                event = AgentEvent.OFFER_CANCELLED
                new = transition(agent.id, status, event, now, self._timings, entry_id=entry_id)
                writes = (AgentWrite(agent.id, status.version, new),)
        if not await self.store.commit(Change(writes, (CallDelete(entry_id, record.version),))):
            return False
        waited = now - record.entry.enqueued_at
        log.info(
            "acd call left", uniqueid=record.entry.uniqueid, abandoned=abandoned, waited_s=round(waited, 3)
        )
        ringing = record.phase is CallPhase.OFFERED
        self._emit(
            CallAbandoned(now, record.entry, waited, ringing) if abandoned else CallRemoved(now, record.entry)
        )
        if writes and agent is not None and status is not None:
            self._emit(AgentStateChanged(now, agent, status.state, writes[0].status))
            await self._cancel(record.entry, agent, OfferEnd.CALLER_GONE if abandoned else OfferEnd.DEQUEUED)
            if writes[0].status.state is AgentState.AVAILABLE:
                await self._route_agent(agent.id)
        return True

    async def _end_connected(self, record: QueuedCall) -> bool:
        """Hang-up of a connected call: delete it, the agent (if still on it) to wrap-up."""
        now = self._clock.now()
        agent_id = record.agent_id
        assert agent_id is not None
        agent, status = await self._agent(agent_id)
        writes: tuple[AgentWrite, ...] = ()
        if status.state is AgentState.ON_CALL and status.entry_id == record.entry_id:
            new = transition(
                agent_id, status, AgentEvent.HANGUP, now, self._timings, entry_id=record.entry_id
            )
            writes = (AgentWrite(agent_id, status.version, new),)
        if not await self.store.commit(Change(writes, (CallDelete(record.entry_id, record.version),))):
            return False
        log.info("acd call ended", uniqueid=record.entry.uniqueid, agent=agent_id)
        self._emit(CallEnded(now, record.entry, agent_id, now - record.since))
        if writes:
            self._emit(AgentStateChanged(now, agent, status.state, writes[0].status))
            self._wake.set()
            if writes[0].status.state is AgentState.AVAILABLE:
                await self._route_agent(agent_id)
        return True

    def _requeue(self, record: QueuedCall, now: float, kind: str, agent_id: str) -> CallPut:
        entry = replace(record.entry, history=(*record.entry.history, HistoryEntry(now, kind, agent_id)))
        step = self.routing.state_at(entry, now)
        return CallPut(entry, CallPhase.WAITING, record.version, record.score, now, step, at_head=True)

    # -- timers and presence --------------------------------------------------------------
    async def _agent_due(self, agent_id: str, now: float) -> None:
        status = await self.store.status(agent_id)
        if status is None or status.deadline is None or status.deadline > now:
            return
        if status.state is AgentState.RESERVED and status.entry_id is not None:
            record = await self.store.call(status.entry_id)
            if _offered_to(record, agent_id, status):
                await self._offer_failed(status.entry_id, agent_id, AgentEvent.NO_ANSWER, OfferEnd.NO_ANSWER)
                return
            # the call is not offered to it (cannot happen with atomic commits): free the agent
            log.error("acd reservation without its call", agent=agent_id, uniqueid=status.entry_id)
            new = transition(
                agent_id, status, AgentEvent.OFFER_CANCELLED, now, self._timings, entry_id=status.entry_id
            )
            await self.store.commit(Change((AgentWrite(agent_id, status.version, new),)))
        elif status.state is AgentState.WRAP_UP:
            # the agent may have moved on meanwhile (ready, pause, logout)
            with contextlib.suppress(IllegalTransition):
                await self._agent_event(agent_id, AgentEvent.WRAPUP_DONE)

    async def _call_due(self, entry_id: str, now: float) -> None:
        record = await self.store.call(entry_id)
        if record is None or record.phase is not CallPhase.WAITING or record.deadline is None:
            return
        if record.deadline > now:
            return
        step = self.routing.state_at(record.entry, now)
        put = CallPut(record.entry, CallPhase.WAITING, record.version, record.score, record.since, step)
        if await self.store.commit(Change(calls=(put,))):
            log.info("acd overflow step", uniqueid=record.entry.uniqueid, step=step.index)
            self._emit(StepAdvanced(now, record.entry, step.index))
            await self._route_call(entry_id)

    async def _keep_presence(self, *, force: bool = False) -> None:
        now = self._clock.now()
        if force or now - self._last_heartbeat >= self._ttl / 3:
            await self.store.heartbeat(self._node, self._ttl, now)
            self._last_heartbeat = now

    async def _reap_dead_nodes(self, now: float) -> None:
        for node in await self.store.dead_nodes(now):
            if node == self._node:
                continue
            log.warning("acd node lost", node=node)
            for agent_id in await self.store.node_agents(node):
                # logged out meanwhile, or another node is reaping it
                with contextlib.suppress(IllegalTransition, ConcurrentUpdate, UnknownAgent):
                    await self._agent_event(agent_id, AgentEvent.FORCE_LOGOUT, node_lost=True)
            await self.store.forget_node(node)

    # -- small pieces ---------------------------------------------------------------------
    async def _agent(self, agent_id: str) -> tuple[Agent, AgentStatus]:
        agent = await self.store.agent(agent_id)
        status = await self.store.status(agent_id)
        if agent is None or status is None:
            raise UnknownAgent(agent_id)
        return agent, status

    async def _call(self, entry_id: str) -> QueuedCall:
        record = await self.store.call(entry_id)
        if record is None:
            raise UnknownCall(entry_id)
        return record

    async def _cancel(self, entry: WaitingCall | CallbackRequest, agent: Agent, why: OfferEnd) -> None:
        try:
            await self._telephony.cancel_offer(entry, agent, why)
        except Exception as exc:
            log.warning("acd cancel_offer failed", uniqueid=entry.uniqueid, agent=agent.id, error=repr(exc))

    def _emit(self, event: AcdEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("acd event listener failed", acd_event=type(event).__name__)


def _offered_to(record: QueuedCall | None, agent_id: str, status: AgentStatus) -> bool:
    return (
        record is not None
        and record.phase is CallPhase.OFFERED
        and record.agent_id == agent_id
        and status.state is AgentState.RESERVED
        and status.entry_id == record.entry_id
    )
