"""The ACD service: calls in, agents' states, offers out through the telephony port.

Life of a call: :meth:`AcdService.enqueue` → the store reserves an agent (an *offer*) →
:meth:`Telephony.connect` rings the agent → :meth:`AcdService.agent_answered` (connected) or a
ring timeout / :meth:`AcdService.agent_not_answered` (the agent is paused ``no-answer`` and the
call goes back to the head of its line) → :meth:`AcdService.call_hung_up` → wrap-up → available.
A caller hanging up earlier is an abandonment; :meth:`AcdService.escalate` hands a connected
call to a higher level with its history.

The service builds and holds its parts: a :class:`~acd.call_flow.CallFlow` (the moves between line
and agents: routing, ringing, how offers and calls end, agents' own events), this node's
:class:`~acd.presence.Presence`, an :class:`~acd.upkeep.Upkeep` acting on timers through the call
flow, :class:`~acd.listeners.Listeners`, this node's :class:`~acd.stats.LiveStats` and the
wallboards' :class:`~acd.shared_stats.SharedStats` (``board``).  It delegates to them
and adds what puts a call (back) in line — a new call, a callback request, an escalation — the
reads the pages need, and the lifetime.

Every change is one atomic store step computed from the current versions
(:func:`acd.retry.compare_and_set`), so events arriving in any order — an answer racing the
caller's hang-up, a pause racing the ring — end in a consistent state.  Timers (ring timeout,
wrap-up, overflow steps) are deadlines in the store, acted on by :meth:`AcdService.tick` on any
node (:mod:`acd.upkeep`); :meth:`AcdService.run` ticks for ever.

Events from the telephony side (``agent_answered``, ``agent_not_answered``, ``call_hung_up``) are
answered with ``False`` when stale (the call or offer is already over); they never raise for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import NamedTuple
from zoneinfo import ZoneInfo

import structlog

from acd.agent_state import AgentEvent, AgentState, AgentStatus, Timings, transition
from acd.call_flow import CallFlow
from acd.clock import Clock, SystemClock
from acd.errors import CallerGone, CallNotInPhase, DuplicateCall, ModelError, UnknownAgent, UnknownCall
from acd.events import AcdEvent, AgentStateChanged, CallbackRequested, CallEscalated, CallQueued
from acd.listeners import Listeners
from acd.model import Agent, AgentLevel, CallbackRequest, HistoryEntry, Segment, SkillRequirement, WaitingCall
from acd.overflow import RoutingConfig
from acd.presence import Presence
from acd.retry import Commit, compare_and_set
from acd.settings import AcdSettings
from acd.shared_stats import SharedStats
from acd.stats import LiveStats
from acd.store import AcdStore, AgentWrite, CallDelete, CallPhase, CallPut, Change, QueuedCall
from acd.telephony import Telephony
from acd.upkeep import Upkeep

__all__ = ["AcdService", "QueuePosition"]

log = structlog.get_logger(__name__)


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
        centre = ZoneInfo(settings.timezone) if settings.timezone else None  # the counters are the day's
        self.stats = LiveStats(settings.service_level_threshold_s, settings.wrapup_s, tz=centre)
        # the wallboards' figures, the same on every node sharing the store
        self.board = SharedStats(store, settings.service_level_threshold_s, settings.wrapup_s, tz=centre)
        self._clock = clock or SystemClock()
        self._timings = Timings(settings.ring_timeout_s, settings.wrapup_s)
        self._telephony = telephony
        self._listeners = Listeners([self.stats.apply, self.board.apply, *listeners])
        self._presence = Presence(store, self._clock, settings.node_id, settings.presence_ttl_s)
        timers_changed = asyncio.Event()  # set when a timer may be due earlier than the upkeep sleeps for
        self._wake_upkeep = timers_changed.set
        self._flow = CallFlow(
            store=store,
            routing=routing,
            clock=self._clock,
            timings=self._timings,
            telephony=telephony,
            emit=self._listeners.emit,
            presence=self._presence,
            wake=self._wake_upkeep,
        )
        self._upkeep = Upkeep(self._flow, store, self._clock, self._presence, timers_changed)

    @property
    def node_id(self) -> str:
        return self._presence.node_id

    def subscribe(self, listener: Callable[[AcdEvent], None]) -> Callable[[], None]:
        """Receive every event after it is stored; returns a function that unsubscribes."""
        return self._listeners.add(listener)

    # -- lifetime -------------------------------------------------------------------------
    async def start(self) -> None:
        """Announce this node and load the statistics' starting point from the store."""
        await self._presence.keep(force=True)
        self.stats.seed(await self.store.agents(), await self.store.statuses())
        self.stats.seed_waiting(
            c.entry for c in await self.store.calls() if c.phase is not CallPhase.CONNECTED
        )

    async def run(self) -> None:
        """Act on timers and keep this node's presence until cancelled."""
        await self.start()
        await self._upkeep.run()

    def hold_ring_timeouts(self, blind: Callable[[], bool]) -> None:
        """Hold ring time-outs while ``blind()`` (the node cannot see the phones; see :mod:`acd.upkeep`)."""
        self._upkeep.blind = blind

    async def heartbeat(self) -> None:
        """Renew this node's presence now (``tick`` does it too)."""
        await self._presence.keep(force=True)

    async def tick(self) -> int:
        """Renew presence, log out the agents of dead nodes, act on every due timer (ring
        timeouts, ends of wrap-up, overflow steps); returns how many timers were due."""
        return await self._upkeep.tick()

    # -- agents ---------------------------------------------------------------------------
    async def register_agent(self, agent: Agent) -> None:
        """Add or update an agent's profile (a new agent starts logged out)."""
        await self.store.put_agent(agent, self._clock.now())

    async def remove_agent(self, agent_id: str) -> bool:
        """Forget a retired agent, who must be logged out (:class:`AgentNotLoggedOut` otherwise);
        False when the ACD did not know them."""
        return await self.store.remove_agent(agent_id)

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

    # -- what the pages read ----------------------------------------------------------------
    async def agents(self) -> list[Agent]:
        """Every agent's profile."""
        return await self.store.agents()

    async def statuses(self) -> dict[str, AgentStatus]:
        """Every agent's state, by agent id (agents never logged in may be missing)."""
        return await self.store.statuses()

    async def calls(self) -> list[QueuedCall]:
        """Every call the ACD holds: waiting, offered or connected."""
        return await self.store.calls()

    async def call(self, entry_id: str) -> QueuedCall | None:
        return await self.store.call(entry_id)

    async def call_of_agent(self, agent_id: str) -> QueuedCall | None:
        """The call the agent is being rung for, talking to or wrapping up, if any."""
        status = await self.status(agent_id)
        return await self.store.call(status.entry_id) if status.entry_id is not None else None

    async def login(self, agent_id: str) -> AgentStatus:
        await self._presence.keep()
        return await self._flow.agent_event(agent_id, AgentEvent.LOGIN)

    async def logout(self, agent_id: str) -> AgentStatus:
        return await self._flow.agent_event(agent_id, AgentEvent.LOGOUT)

    async def pause(self, agent_id: str, reason: str) -> AgentStatus:
        """Pause now, or — while ringing or on a call — as soon as the call and wrap-up are over."""
        return await self._flow.agent_event(agent_id, AgentEvent.PAUSE, reason=reason)

    async def unpause(self, agent_id: str) -> AgentStatus:
        return await self._flow.agent_event(agent_id, AgentEvent.UNPAUSE)

    async def ready(self, agent_id: str) -> AgentStatus:
        """End wrap-up early."""
        return await self._flow.agent_event(agent_id, AgentEvent.READY)

    async def force_logout(self, agent_id: str, by: str) -> AgentStatus:
        """A supervisor logs the agent out; a call ringing for them goes back to the head of its line."""
        log.info("acd forced logout", agent=agent_id, by=by)
        return await self._flow.agent_event(agent_id, AgentEvent.FORCE_LOGOUT)

    async def end_wrap_up(self, agent_id: str) -> AgentStatus:
        """The wrap-up time is over (the upkeep's timer)."""
        return await self._flow.end_wrap_up(agent_id)

    async def drop_lost_agent(self, agent_id: str) -> AgentStatus:
        """The agent's node died: log the agent out, requeue a call ringing for it, and forget a
        call it was connected to (that node can no longer report its end)."""
        return await self._flow.drop_lost_agent(agent_id)

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
            uniqueid,
            requirement,
            segment,
            prefecture,
            now,
            rule.name,
            linkedid,
            caller_number,
            server=self.node_id,  # the caller's channel is on this node's server
        )
        score = self.routing.priority.score(segment, now) - rule.head_start_s
        put = CallPut(call, CallPhase.WAITING, None, score, now, rule.state_at(call, now))
        if not await self.store.commit(Change(calls=(put,))):
            raise DuplicateCall(uniqueid)
        log.info(
            "acd call queued", uniqueid=uniqueid, linkedid=linkedid, rule=rule.name, skill=requirement.skill
        )
        self._listeners.emit(CallQueued(now, call, score))
        await self._flow.route_call(uniqueid)
        return call

    async def request_callback(self, uniqueid: str, number: str) -> CallbackRequest:
        """Turn a waiting caller into a callback request that keeps the caller's place in line."""

        async def step() -> Commit[CallbackRequest]:
            now = self._clock.now()
            record = await self._call(uniqueid)
            if record.phase is not CallPhase.WAITING or not isinstance(record.entry, WaitingCall):
                raise CallNotInPhase(uniqueid, record.phase.value, CallPhase.WAITING.value)
            request = CallbackRequest.for_call(record.entry, number, now)
            put = CallPut(
                request, CallPhase.WAITING, None, record.score, now, self.routing.state_at(request, now)
            )

            async def stored() -> CallbackRequest:
                log.info("acd callback requested", uniqueid=uniqueid, request=request.request_id)
                self._listeners.emit(CallbackRequested(now, request))
                await self._flow.route_call(request.request_id)
                return request

            async def conflicted() -> None:
                if await self.store.call(request.request_id) is not None:
                    raise DuplicateCall(request.request_id)

            change = Change(calls=(CallDelete(uniqueid, record.version), put))
            return Commit(change, stored, on_conflict=conflicted)

        return await compare_and_set(self.store.commit, step, conflict=f"call {uniqueid!r} kept changing")

    async def retry_callback(self, request: CallbackRequest, score: float) -> bool:
        """Put back in line a callback request whose customer did not answer, in its old place
        (``score``), and route it.  False when the ACD holds it already."""
        now = self._clock.now()
        put = CallPut(request, CallPhase.WAITING, None, score, now, self.routing.state_at(request, now))
        if not await self.store.commit(Change(calls=(put,))):
            return False
        log.info("acd callback retried", uniqueid=request.uniqueid, request=request.request_id)
        self._listeners.emit(CallbackRequested(now, request))
        await self._flow.route_call(request.request_id)
        return True

    async def dequeue(self, entry_id: str) -> bool:
        """The call's owner takes it out of the ACD (not an abandonment).  False if not there or
        already connected to an agent."""
        return await self._flow.caller_left(entry_id, abandoned=False)

    async def call_hung_up(self, entry_id: str) -> bool:
        """The caller's channel hung up: an abandonment before the answer, the end of the call after.

        Returns False when the ACD does not hold the call (already handled, or never queued).
        """
        return await self._flow.caller_left(entry_id, abandoned=True)

    async def agent_answered(self, entry_id: str, agent_id: str) -> bool:
        """The agent picked up.  False when the offer is no longer current (caller left, timed out)."""
        return await self._flow.agent_answered(entry_id, agent_id)

    async def agent_not_answered(self, entry_id: str, agent_id: str) -> bool:
        """The agent's phone did not answer (busy, unavailable, no answer): as a ring timeout."""
        return await self._flow.agent_not_answered(entry_id, agent_id)

    async def escalate(
        self, entry_id: str, agent_id: str, to_level: AgentLevel, note: str = ""
    ) -> WaitingCall:
        """The agent hands the connected call to a senior or the manager hotline.

        The call goes back in line (keeping its place and history) with the requirement's level
        raised; the agent goes to wrap-up.  Returns the new waiting entry.
        """
        if to_level < AgentLevel.SENIOR:
            raise ModelError(f"escalation goes to senior or manager, not {to_level.label}")

        async def step() -> Commit[WaitingCall]:
            now = self._clock.now()
            record = await self._call(entry_id)
            agent = await self.agent(agent_id)
            status = await self.status(agent_id)
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

            async def stored() -> WaitingCall:
                log.info("acd call escalated", uniqueid=entry_id, agent=agent_id, to=to_level.label)
                self._listeners.emit(AgentStateChanged(now, agent, status.state, new))
                self._listeners.emit(CallEscalated(now, entry, agent_id, to_level))
                self._wake_upkeep()
                try:
                    await self._telephony.return_to_queue(entry, agent)
                except CallerGone:
                    await self.call_hung_up(entry_id)
                    return entry
                except Exception:
                    log.exception("acd return_to_queue failed", uniqueid=entry_id, agent=agent_id)
                await self._flow.route_call(entry_id)
                if new.state is AgentState.AVAILABLE:
                    await self._flow.route_agent(agent)
                return entry

            return Commit(Change((AgentWrite(agent_id, status.version, new),), (put,)), stored)

        return await compare_and_set(self.store.commit, step, conflict=f"call {entry_id!r} kept changing")

    async def advance_overflow(self, entry_id: str) -> bool:
        """Move a waiting call to the overflow step now in force, if its step time has come, and
        route it (the upkeep's timer).  False when there was nothing to do."""
        return await self._flow.advance_overflow(entry_id)

    async def _call(self, entry_id: str) -> QueuedCall:
        record = await self.store.call(entry_id)
        if record is None:
            raise UnknownCall(entry_id)
        return record

    async def position(self, entry_id: str) -> QueuePosition | None:
        """Where a waiting call stands, for the caller's announcements; None if not waiting."""
        record = await self.store.call(entry_id)
        ahead = await self.store.position(entry_id)
        if record is None or ahead is None:
            return None
        return QueuePosition(ahead, self.stats.expected_wait(record.entry.requirement.skill, ahead))


class QueuePosition(NamedTuple):
    ahead: int  # waiting calls of the same skill before this one
    expected_wait_s: float | None  # None until handle times are known
