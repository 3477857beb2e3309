"""How calls move between the line and the agents: offers, their outcomes, and departures.

The working half of :class:`acd.service.AcdService` (which adds the public commands): route a
call or an agent (the store reserves "this call → this agent" atomically), ring the agent through
the telephony port, and settle how the offer ends — answered, not answered or unreachable (the
agent paused, the call back at the head of its line), the caller gone, the agent gone.

Every change is one compare-and-set step built from freshly read versions; when another task
or node changed the same agent or call first, the step is recomputed from the new state (or
found moot), up to ``MAX_ATTEMPTS`` times.  Telephony failures turn into state changes and never
escape a routing step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import structlog

from acd.agent_state import AgentEvent, AgentState, AgentStatus, Timings, transition
from acd.clock import Clock
from acd.errors import CallerGone, ConcurrentUpdate, UnknownAgent, UnknownCall
from acd.events import (
    AcdEvent,
    AgentStateChanged,
    CallAbandoned,
    CallEnded,
    CallOffered,
    CallRemoved,
    CallRequeued,
)
from acd.model import Agent, CallbackRequest, HistoryEntry, WaitingCall
from acd.overflow import RoutingConfig
from acd.store import AcdStore, AgentWrite, CallDelete, CallPhase, CallPut, Change, Offer, QueuedCall
from acd.telephony import OfferEnd, Telephony
from acd.upkeep import Upkeep

__all__ = ["MAX_ATTEMPTS", "CallFlow", "offered_to"]

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 10


class CallFlow:
    """Base of :class:`acd.service.AcdService`; the attributes are set by its constructor."""

    store: AcdStore
    routing: RoutingConfig
    _clock: Clock
    _timings: Timings
    _node: str
    _telephony: Telephony
    _upkeep: Upkeep
    _listeners: list[Callable[[AcdEvent], None]]

    # -- routing --------------------------------------------------------------------------
    async def _route_call(self, entry_id: str) -> None:
        await self._upkeep.keep_presence()
        offer = await self.store.reserve_for_call(
            entry_id, self._clock.now(), self._timings.ring_timeout_s, self.routing.choice
        )
        if offer is not None:
            await self._deliver(offer)

    async def _route_agent(self, agent_id: str) -> None:
        await self._upkeep.keep_presence()
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
        self._upkeep.wake()
        try:
            if isinstance(entry, CallbackRequest):
                await self._telephony.call_back(entry, agent)
            else:
                await self._telephony.connect(entry, agent)
        except CallerGone:
            log.info("acd caller gone at connect", uniqueid=entry.uniqueid, agent=agent.id)
            await self._caller_left(entry.entry_id, abandoned=True)
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
            record = None
            if new.state is AgentState.LOGGED_OUT and status.entry_id is not None:
                record = await self.store.call(status.entry_id)
            if record is not None and record.agent_id == agent_id:
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
                self._upkeep.wake()
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
            if not offered_to(record, agent_id, status):
                if status.state is AgentState.RESERVED and status.entry_id == entry_id:
                    await self._release_orphan(agent, status, now)
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
            if offered_to(record, agent.id, status):
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
            self._upkeep.wake()
            if writes[0].status.state is AgentState.AVAILABLE:
                await self._route_agent(agent_id)
        return True

    async def _release_orphan(self, agent: Agent, status: AgentStatus, now: float) -> None:
        """A reservation whose call is not offered to the agent (cannot arise from atomic
        commits; repaired rather than left stuck)."""
        log.error("acd reservation without its call", agent=agent.id, uniqueid=status.entry_id)
        event = AgentEvent.OFFER_CANCELLED
        new = transition(agent.id, status, event, now, self._timings, entry_id=status.entry_id)
        if await self.store.commit(Change((AgentWrite(agent.id, status.version, new),))):
            self._emit(AgentStateChanged(now, agent, status.state, new))

    def _requeue(self, record: QueuedCall, now: float, kind: str, agent_id: str) -> CallPut:
        entry = replace(record.entry, history=(*record.entry.history, HistoryEntry(now, kind, agent_id)))
        step = self.routing.state_at(entry, now)
        return CallPut(entry, CallPhase.WAITING, record.version, record.score, now, step, at_head=True)

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


def offered_to(record: QueuedCall | None, agent_id: str, status: AgentStatus) -> bool:
    return (
        record is not None
        and record.phase is CallPhase.OFFERED
        and record.agent_id == agent_id
        and status.state is AgentState.RESERVED
        and status.entry_id == record.entry_id
    )
