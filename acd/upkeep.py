"""Timers and presence for one CTI node's ACD service.

Ring timeouts, ends of wrap-up and overflow step changes are deadlines kept in the store (so
they survive restarts and any node may act on them); :meth:`Upkeep.tick` acts on those that are
due, renews this node's presence and logs out the agents of nodes whose presence expired (their
ringing calls go back to the head of their lines).  :meth:`Upkeep.run` ticks until cancelled,
sleeping until the next deadline or heartbeat, and is woken early when a new timer starts.

Every action goes through the service's own methods, so a timer racing an event (an answer
arriving as the ring times out) is settled by the same compare-and-set as any other race.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import TYPE_CHECKING

import structlog

from acd.agent_state import AgentState
from acd.clock import Clock
from acd.errors import AcdError, ConcurrentUpdate, IllegalTransition, UnknownAgent
from acd.store import AcdStore, CallPhase

if TYPE_CHECKING:
    from acd.service import AcdService

__all__ = ["Upkeep"]

log = structlog.get_logger(__name__)

BATCH = 200
MAX_PER_TICK = 10_000


class Upkeep:
    def __init__(self, service: AcdService, store: AcdStore, clock: Clock, node: str, ttl_s: float) -> None:
        self._service = service
        self._store = store
        self._clock = clock
        self._node = node
        self._ttl = ttl_s
        self._last_heartbeat = -math.inf
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A timer may have started earlier than the one ``run`` sleeps for."""
        self._wake.set()

    async def keep_presence(self, *, force: bool = False) -> None:
        """Renew this node's presence if a third of its time to live has passed (or ``force``)."""
        now = self._clock.now()
        if force or now - self._last_heartbeat >= self._ttl / 3:
            await self._store.heartbeat(self._node, self._ttl, now)
            self._last_heartbeat = now

    async def tick(self) -> int:
        """Renew presence, reap dead nodes, act on every due timer; returns how many were due."""
        await self.keep_presence(force=True)
        now = self._clock.now()
        await self._reap_dead_nodes(now)
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
            delay = self._ttl / 3
            try:
                await self.tick()
                next_due = await self._store.next_due()
                if next_due is not None:
                    delay = min(delay, next_due - self._clock.now())
            except AcdError as exc:
                log.error("acd tick failed", error=str(exc), error_id=exc.error_id)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(delay, 0.005)):
                    await self._wake.wait()

    async def _agent_due(self, agent_id: str, now: float) -> None:
        status = await self._store.status(agent_id)
        if status is None or status.deadline is None or status.deadline > now:
            return
        if status.state is AgentState.RESERVED and status.entry_id is not None:
            await self._service.agent_not_answered(status.entry_id, agent_id)
        elif status.state is AgentState.WRAP_UP:
            # the agent may have moved on meanwhile (ready, pause, logout)
            with contextlib.suppress(IllegalTransition):
                await self._service.end_wrap_up(agent_id)

    async def _call_due(self, entry_id: str, now: float) -> None:
        record = await self._store.call(entry_id)
        if record is None or record.phase is not CallPhase.WAITING or record.deadline is None:
            return
        if record.deadline <= now:
            await self._service.advance_overflow(entry_id)

    async def _reap_dead_nodes(self, now: float) -> None:
        for node in await self._store.dead_nodes(now):
            if node == self._node:
                continue
            log.warning("acd node lost", node=node)
            for agent_id in await self._store.node_agents(node):
                # logged out meanwhile, or another node is reaping it
                with contextlib.suppress(IllegalTransition, ConcurrentUpdate, UnknownAgent):
                    await self._service.drop_lost_agent(agent_id)
            await self._store.forget_node(node)
