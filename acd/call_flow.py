"""How calls move between the line and the agents: offers, their outcomes, and departures.

:class:`CallFlow` is the working half of :class:`acd.service.AcdService` (which holds one and
adds intake, escalation, reads and lifetime): route a call or an agent (the store reserves "this
call → this agent" atomically), ring the agent through the telephony port, and settle how the
offer ends — answered, not answered or unreachable (the agent paused, the call back at the head
of its line), the caller gone, the agent gone — and how a connected call ends.  It implements
the upkeep's :class:`~acd.upkeep.TimerActions`.

Every change is one compare-and-set step built from freshly read versions
(:func:`acd.retry.compare_and_set`): when another task or node changed the same agent or call
first, the step is recomputed from the new state (or found moot).  Telephony failures turn into
state changes and never escape a routing step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeGuard

import structlog

from acd.agent_state import AgentEvent, AgentState, AgentStatus, Timings, transition
from acd.clock import Clock
from acd.errors import CallerGone, StoreUnavailable, UnknownAgent
from acd.events import (
    AcdEvent,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallOffered,
    CallRemoved,
    CallRequeued,
    StepAdvanced,
)
from acd.model import Agent, CallbackRequest, HistoryEntry, WaitingCall
from acd.overflow import RoutingConfig
from acd.presence import Presence
from acd.retry import Commit, Moot, compare_and_set
from acd.store import AcdStore, AgentWrite, CallDelete, CallPhase, CallPut, Change, Offer, QueuedCall
from acd.telephony import OfferEnd, Telephony

__all__ = ["CallFlow", "offered_to"]

log = structlog.get_logger(__name__)


class CallFlow:
    """Routes, rings and settles; ``emit`` hears each event once its change is stored, ``wake``
    tells the upkeep that a timer may now be due earlier than it thought."""

    def __init__(
        self,
        *,
        store: AcdStore,
        routing: RoutingConfig,
        clock: Clock,
        timings: Timings,
        telephony: Telephony,
        emit: Callable[[AcdEvent], None],
        presence: Presence,
        wake: Callable[[], None],
    ) -> None:
        self._store = store
        self._routing = routing
        self._clock = clock
        self._timings = timings
        self._telephony = telephony
        self._emit = emit
        self._presence = presence
        self._wake = wake

    # -- routing --------------------------------------------------------------------------
    async def route_call(self, entry_id: str) -> None:
        """Offer the waiting call to the best available agent, if there is one.

        The store gives that agent the best call it may take, which is this one unless a
        better-placed call waits for the agent too (one that has just become available, whose own
        routing has not run yet); that offer is delivered and this call looks for another agent.
        Every round gives an agent to a call placed before this one, so the loop ends."""
        await self._presence.keep()
        while True:
            offer = await self._store.reserve_for_call(
                entry_id, self._clock.now(), self._timings.ring_timeout_s, self._routing.choice
            )
            if offer is None:
                return
            await self._deliver(offer)
            if offer.call.entry_id == entry_id:
                return

    async def route_agent(self, agent: Agent) -> None:
        """Offer the available agent the best waiting call it may take, if there is one."""
        await self._presence.keep()
        offer = await self._store.reserve_for_agent(
            agent.id, self._clock.now(), self._timings.ring_timeout_s, self._routing.choice
        )
        if offer is not None:
            await self._deliver(offer)
            return
        try:
            await self._route_held_back(agent)
        except StoreUnavailable as exc:  # a failover under way: the next routing event reaches them
            log.warning("acd held-back agents not routed", agent=agent.id, error=str(exc))

    async def _route_held_back(self, agent: Agent) -> None:
        """``keep_free``: the agent just come free found nothing it may take, but it makes its
        level's free agents one more than are kept free, so each of the others may now take a
        call below its level that it was held back from until now (without this, they would wait
        for the next routing event to reach them: seconds, in the soak).  Only at that crossing:
        above it, the others were free to take such calls all along.  The agent's own step is
        stored by then, so a store that cannot answer (plain reads do not wait out a failover as
        the scripts do) only leaves the others to the next routing event."""
        policy = self._routing.choice
        if not policy.keep_free:
            return
        if not (kept := policy.free_needed(agent.level)):
            return
        free = await self._store.free_agents(agent.level, kept + 2)  # enough to tell the crossing
        if len(free) != kept + 1 or agent.id not in free:
            return
        for other in free:
            if other == agent.id:
                continue
            offer = await self._store.reserve_for_agent(
                other, self._clock.now(), self._timings.ring_timeout_s, policy
            )
            if offer is not None:  # the level is back to the agents kept free
                await self._deliver(offer)
                return

    async def advance_overflow(self, entry_id: str) -> bool:
        """Move a waiting call to the overflow step now in force, if its step time has come, and
        route it.  False when there was nothing to do."""
        now = self._clock.now()
        record = await self._store.call(entry_id)
        if record is None or record.phase is not CallPhase.WAITING or record.deadline is None:
            return False
        if record.deadline > now:
            return False
        step = self._routing.state_at(record.entry, now)
        put = CallPut(record.entry, CallPhase.WAITING, record.version, record.score, record.since, step)
        if not await self._store.commit(Change(calls=(put,))):
            return False  # changed meanwhile; a later tick looks again if still due
        log.info("acd overflow step", uniqueid=record.entry.uniqueid, step=step.index)
        self._emit(StepAdvanced(now, record.entry, step.index))
        await self.route_call(entry_id)
        return True

    async def _deliver(self, offer: Offer) -> None:
        entry, agent = offer.call.entry, offer.agent
        now = offer.status.since
        log.info("acd offer", uniqueid=entry.uniqueid, entry=entry.entry_id, agent=agent.id)
        self._emit(AgentStateChanged(now, agent, AgentState.AVAILABLE, offer.status))
        self._emit(CallOffered(now, entry, agent.id))
        self._wake()
        try:
            if isinstance(entry, CallbackRequest):
                await self._telephony.call_back(entry, agent)
            else:
                await self._telephony.connect(entry, agent)
        except CallerGone:
            # the caller's channel is gone (looked for a moment: a session just re-established
            # lists the channels late): they left before an answer, an abandoned call.  A channel
            # the PBX never had does not get this far: the node serves a FastAGI session only for a
            # channel its AMI state knows (node/agi_trust.py, security finding 1), and the wait
            # loop backs off before queueing a call again
            log.info("acd caller gone at connect", uniqueid=entry.uniqueid, agent=agent.id)
            await self.caller_left(entry.entry_id, abandoned=True)
        except Exception as exc:
            log.warning("acd connect failed", uniqueid=entry.uniqueid, agent=agent.id, error=repr(exc))
            await self._offer_failed(
                entry.entry_id, agent.id, AgentEvent.CONNECT_FAILED, OfferEnd.CONNECT_FAILED
            )

    # -- the agent's side -----------------------------------------------------------------
    async def agent_event(
        self, agent_id: str, event: AgentEvent, *, reason: str | None = None, node_lost: bool = False
    ) -> AgentStatus:
        """An agent-side event (login, pause, logout, end of wrap-up...); a ringing call of an agent
        logged out goes back to its line; a node loss also closes the agent's connected call."""

        async def step() -> Commit[AgentStatus]:
            now = self._clock.now()
            agent, status = await self._agent(agent_id)
            new = transition(
                agent_id, status, event, now, self._timings, reason=reason, node=self._presence.node_id
            )
            calls: tuple[CallPut | CallDelete, ...] = ()
            record = None
            if new.state is AgentState.LOGGED_OUT and status.entry_id is not None:
                record = await self._store.call(status.entry_id)
            if record is not None and record.agent_id == agent_id:
                if record.phase is CallPhase.OFFERED:
                    calls = (self._requeue(record, now, "agent-left", agent_id),)
                elif record.phase is CallPhase.CONNECTED and node_lost:
                    calls = (CallDelete(record.entry_id, record.version),)

            async def stored() -> AgentStatus:
                log.info(
                    "acd agent",
                    agent=agent_id,
                    agent_event=event.value,
                    state=new.state.value,
                    reason=new.reason,
                )
                self._emit(AgentStateChanged(now, agent, status.state, new))
                if new.deadline is not None:
                    self._wake()
                if calls and record is not None:
                    if isinstance(calls[0], CallPut):
                        self._emit(CallRequeued(now, record.entry, agent_id, "agent-left"))
                        await self._cancel(record.entry, agent, OfferEnd.AGENT_GONE)
                        await self.route_call(record.entry_id)
                    else:
                        self._emit(CallEnded(now, record.entry, agent_id, now - record.since))
                if new.state is AgentState.AVAILABLE:
                    await self.route_agent(agent)
                return new

            return Commit(Change((AgentWrite(agent_id, status.version, new),), calls), stored)

        return await compare_and_set(self._store.commit, step, conflict=f"agent {agent_id!r} kept changing")

    async def end_wrap_up(self, agent_id: str) -> AgentStatus:
        """The wrap-up time is over (the upkeep's timer)."""
        return await self.agent_event(agent_id, AgentEvent.WRAPUP_DONE)

    async def drop_lost_agent(self, agent_id: str) -> AgentStatus:
        """The agent's node died: log the agent out, requeue a call ringing for it, and forget a
        call it was connected to (that node can no longer report its end)."""
        return await self.agent_event(agent_id, AgentEvent.FORCE_LOGOUT, node_lost=True)

    # -- how an offer ends ----------------------------------------------------------------
    async def agent_answered(self, entry_id: str, agent_id: str) -> bool:
        """The agent picked up.  False when the offer is no longer current (caller left, timed out)."""

        async def step() -> Commit[bool] | Moot[bool]:
            now = self._clock.now()
            record = await self._store.call(entry_id)
            agent, status = await self._agent(agent_id)
            if not offered_to(record, agent_id, status):
                log.info("acd stale answer", uniqueid=entry_id, agent=agent_id, state=status.state.value)
                return Moot(False)
            new = transition(agent_id, status, AgentEvent.ANSWER, now, self._timings, entry_id=entry_id)
            put = CallPut(
                record.entry, CallPhase.CONNECTED, record.version, record.score, now, agent_id=agent_id
            )

            async def stored() -> bool:
                waited = now - record.entry.enqueued_at
                log.info("acd call answered", uniqueid=entry_id, agent=agent_id, waited_s=round(waited, 3))
                self._emit(AgentStateChanged(now, agent, status.state, new))
                self._emit(CallAnswered(now, record.entry, agent_id, waited))
                return True

            return Commit(Change((AgentWrite(agent_id, status.version, new),), (put,)), stored)

        return await compare_and_set(self._store.commit, step, conflict=f"call {entry_id!r} kept changing")

    async def agent_not_answered(self, entry_id: str, agent_id: str) -> bool:
        """The agent's phone did not answer (busy, unavailable, no answer): as a ring timeout."""
        return await self._offer_failed(entry_id, agent_id, AgentEvent.NO_ANSWER, OfferEnd.NO_ANSWER)

    async def _offer_failed(self, entry_id: str, agent_id: str, event: AgentEvent, why: OfferEnd) -> bool:
        """No answer or connect failure: pause the agent, the call back to the head of its line."""

        async def step() -> Commit[bool] | Moot[bool]:
            now = self._clock.now()
            record = await self._store.call(entry_id)
            agent, status = await self._agent(agent_id)
            if not offered_to(record, agent_id, status):
                if status.state is AgentState.RESERVED and status.entry_id == entry_id:
                    await self._release_orphan(agent, status, now)
                return Moot(False)
            new = transition(agent_id, status, event, now, self._timings, entry_id=entry_id)
            put = self._requeue(record, now, why.value, agent_id)

            async def stored() -> bool:
                log.info("acd offer failed", uniqueid=record.entry.uniqueid, agent=agent_id, why=why.value)
                self._emit(AgentStateChanged(now, agent, status.state, new))
                self._emit(CallRequeued(now, put.entry, agent_id, why.value))
                await self._cancel(put.entry, agent, why)
                await self.route_call(entry_id)
                return True

            return Commit(Change((AgentWrite(agent_id, status.version, new),), (put,)), stored)

        return await compare_and_set(self._store.commit, step, conflict=f"call {entry_id!r} kept changing")

    async def _release_orphan(self, agent: Agent, status: AgentStatus, now: float) -> None:
        """A reservation whose call is not offered to the agent (cannot arise from atomic
        commits; repaired rather than left stuck)."""
        log.error("acd reservation without its call", agent=agent.id, uniqueid=status.entry_id)
        event = AgentEvent.OFFER_CANCELLED
        new = transition(agent.id, status, event, now, self._timings, entry_id=status.entry_id)
        if await self._store.commit(Change((AgentWrite(agent.id, status.version, new),))):
            self._emit(AgentStateChanged(now, agent, status.state, new))

    # -- the caller's side ----------------------------------------------------------------
    async def caller_left(self, entry_id: str, *, abandoned: bool) -> bool:
        """The caller hung up (``abandoned``: before the answer an abandonment, after it the end of
        the call) or the call's owner took it out (only before the answer).  False when the ACD
        does not hold the call, or a dequeue finds it connected."""

        async def step() -> Commit[bool] | Moot[bool]:
            record = await self._store.call(entry_id)
            if record is None:
                return Moot(False)
            if record.phase is CallPhase.CONNECTED:
                if not abandoned:
                    return Moot(False)
                return await self._end_connected(record)
            return await self._end_unanswered(record, abandoned=abandoned)

        return await compare_and_set(self._store.commit, step, conflict=f"call {entry_id!r} kept changing")

    async def _end_unanswered(self, record: QueuedCall, *, abandoned: bool) -> Commit[bool]:
        """Take a waiting or offered call out (caller hung up, or dequeued); free a rung agent."""
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

        async def stored() -> bool:
            waited = now - record.entry.enqueued_at
            log.info(
                "acd call left",
                uniqueid=record.entry.uniqueid,
                abandoned=abandoned,
                waited_s=round(waited, 3),
            )
            ringing = record.phase is CallPhase.OFFERED
            self._emit(
                CallAbandoned(now, record.entry, waited, ringing)
                if abandoned
                else CallRemoved(now, record.entry)
            )
            if writes and agent is not None and status is not None:
                self._emit(AgentStateChanged(now, agent, status.state, writes[0].status))
                await self._cancel(
                    record.entry, agent, OfferEnd.CALLER_GONE if abandoned else OfferEnd.DEQUEUED
                )
                if writes[0].status.state is AgentState.AVAILABLE:
                    await self.route_agent(agent)
            return True

        return Commit(Change(writes, (CallDelete(entry_id, record.version),)), stored)

    async def _end_connected(self, record: QueuedCall) -> Commit[bool]:
        """Hang-up of a connected call: delete it, the agent (if still on it) to wrap-up."""
        now = self._clock.now()
        agent_id = record.agent_id
        assert agent_id is not None  # a connected call names its agent (CallPut checks it)
        agent, status = await self._agent(agent_id)
        writes: tuple[AgentWrite, ...] = ()
        if status.state is AgentState.ON_CALL and status.entry_id == record.entry_id:
            new = transition(
                agent_id, status, AgentEvent.HANGUP, now, self._timings, entry_id=record.entry_id
            )
            writes = (AgentWrite(agent_id, status.version, new),)

        async def stored() -> bool:
            log.info("acd call ended", uniqueid=record.entry.uniqueid, agent=agent_id)
            self._emit(CallEnded(now, record.entry, agent_id, now - record.since))
            if writes:
                self._emit(AgentStateChanged(now, agent, status.state, writes[0].status))
                self._wake()
                if writes[0].status.state is AgentState.AVAILABLE:
                    await self.route_agent(agent)
            return True

        return Commit(Change(writes, (CallDelete(record.entry_id, record.version),)), stored)

    # -- small pieces ---------------------------------------------------------------------
    def _requeue(self, record: QueuedCall, now: float, kind: str, agent_id: str) -> CallPut:
        entry = replace(record.entry, history=(*record.entry.history, HistoryEntry(now, kind, agent_id)))
        step = self._routing.state_at(entry, now)
        return CallPut(entry, CallPhase.WAITING, record.version, record.score, now, step, at_head=True)

    async def _agent(self, agent_id: str) -> tuple[Agent, AgentStatus]:
        agent = await self._store.agent(agent_id)
        status = await self._store.status(agent_id)
        if agent is None or status is None:
            raise UnknownAgent(agent_id)
        return agent, status

    async def _cancel(self, entry: WaitingCall | CallbackRequest, agent: Agent, why: OfferEnd) -> None:
        try:
            await self._telephony.cancel_offer(entry, agent, why)
        except Exception as exc:
            log.warning("acd cancel_offer failed", uniqueid=entry.uniqueid, agent=agent.id, error=repr(exc))


def offered_to(record: QueuedCall | None, agent_id: str, status: AgentStatus) -> TypeGuard[QueuedCall]:
    """Whether ``record`` is offered to ``agent_id`` and the agent is reserved for it."""
    return (
        record is not None
        and record.phase is CallPhase.OFFERED
        and record.agent_id == agent_id
        and status.state is AgentState.RESERVED
        and status.entry_id == record.entry_id
    )
