"""Timers and presence for one CTI node's ACD service.

Ring timeouts, ends of wrap-up and overflow step changes are deadlines kept in the store (so
they survive restarts and any node may act on them); :meth:`Upkeep.tick` acts on those that are
due, renews this node's presence and logs out the agents of nodes whose presence expired (their
ringing calls go back to the head of their lines).  :meth:`Upkeep.run` ticks until cancelled,
sleeping until the next deadline or heartbeat, and is woken early when a new timer starts.

The upkeep is handed only what it acts through: the four :class:`TimerActions` (the service's
call flow implements them), so a timer racing an event (an answer arriving as the ring times
out) is settled by the same compare-and-set as any other race.

Ring time-outs are held while :attr:`Upkeep.blind` says the node cannot see the phones (the AMI
session is down, or back but not yet compared with the ACD): an agent whose phone rang through an
AMI outage may well have answered, and must not be paused ``no-answer`` for what the node did not
see.  A held time-out stays due and is acted on at the first tick after the node sees again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

import structlog

from acd.agent_state import AgentState, AgentStatus
from acd.clock import Clock
from acd.errors import AcdError, ConcurrentUpdate, IllegalTransition, UnknownAgent
from acd.presence import Presence
from acd.store import AcdStore, CallPhase

__all__ = ["TimerActions", "Upkeep"]

log = structlog.get_logger(__name__)

BATCH = 200
MAX_PER_TICK = 10_000
HELD_RETRY_S = 0.5  # how often a held ring time-out is looked at again


class TimerActions(Protocol):
    """What the upkeep does when a timer is due, each a compare-and-set step of its own."""

    async def agent_not_answered(self, entry_id: str, agent_id: str) -> bool:
        """The ring timed out: the agent paused ``no-answer``, the call back at the head of its line."""
        ...

    async def end_wrap_up(self, agent_id: str) -> AgentStatus:
        """The wrap-up time is over."""
        ...

    async def advance_overflow(self, entry_id: str) -> bool:
        """The waiting call's next overflow step is due."""
        ...

    async def drop_lost_agent(self, agent_id: str) -> AgentStatus:
        """The agent's node died."""
        ...


class Upkeep:
    """Acts on due timers through ``actions``; ``wakeup`` is set when a timer may have started
    earlier than the one :meth:`run` sleeps for."""

    def __init__(
        self,
        actions: TimerActions,
        store: AcdStore,
        clock: Clock,
        presence: Presence,
        wakeup: asyncio.Event,
    ) -> None:
        self._actions = actions
        self._store = store
        self._clock = clock
        self._presence = presence
        self._wakeup = wakeup
        self.blind: Callable[[], bool] = lambda: False  # hold ring time-outs while this says so
        self._held = False

    async def tick(self) -> int:
        """Renew presence, reap dead nodes, act on every due timer; returns how many were due."""
        await self._presence.keep(force=True)
        now = self._clock.now()
        await self._reap_dead_nodes(now)
        self._held = False
        handled = 0
        while handled < MAX_PER_TICK:
            batch = await self._store.due(now, limit=BATCH)
            for due in batch:
                try:
                    if due.kind == "agent":
                        await self._agent_due(due.id, now)
                    else:
                        await self._call_due(due.id, now)
                except AcdError as exc:
                    log.warning("acd timer failed", timer=due.kind, id=due.id, error=str(exc))
            handled += len(batch)
            if len(batch) < BATCH:
                break
        return handled

    async def run(self) -> None:
        while True:
            delay = self._presence.ttl_s / 3
            try:
                await self.tick()
                next_due = await self._store.next_due()
                if next_due is not None:
                    delay = min(delay, next_due - self._clock.now())
                if self._held:
                    delay = max(delay, HELD_RETRY_S)
            except AcdError as exc:
                log.error("acd tick failed", error=str(exc), error_id=exc.error_id)
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(delay, 0.005)):
                    await self._wakeup.wait()

    async def _agent_due(self, agent_id: str, now: float) -> None:
        status = await self._store.status(agent_id)
        if status is None or status.deadline is None or status.deadline > now:
            return
        if status.state is AgentState.RESERVED and status.entry_id is not None:
            if self.blind():
                self._held = True
                return
            await self._actions.agent_not_answered(status.entry_id, agent_id)
        elif status.state is AgentState.WRAP_UP:
            # the agent may have moved on meanwhile (ready, pause, logout)
            with contextlib.suppress(IllegalTransition):
                await self._actions.end_wrap_up(agent_id)

    async def _call_due(self, entry_id: str, now: float) -> None:
        record = await self._store.call(entry_id)
        if record is None or record.phase is not CallPhase.WAITING or record.deadline is None:
            return
        if record.deadline <= now:
            await self._actions.advance_overflow(entry_id)

    async def _reap_dead_nodes(self, now: float) -> None:
        for node in await self._store.dead_nodes(now):
            if node == self._presence.node_id:
                continue
            log.warning("acd node lost", node=node)
            for agent_id in await self._store.node_agents(node):
                # logged out meanwhile, or another node is reaping it
                with contextlib.suppress(IllegalTransition, ConcurrentUpdate, UnknownAgent):
                    await self._actions.drop_lost_agent(agent_id)
            await self._store.forget_node(node)
