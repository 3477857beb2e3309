"""The ACD on a running CTI node: the node extension, and :class:`AcdNode`, what other parts use.

``cti.app.default_extensions()`` includes :func:`acd_extension`.  On start it opens the ACD's
store (``[acd] store``: memory, or Redis shared by every node), builds the
:class:`acd.service.AcdService` with the AMI telephony (:mod:`cti.acd.telephony`), loads the
active agents of the directory (:mod:`cti.storage.agents`) into it, registers the ``acd-wait``
FastAGI route (:mod:`cti.acd.wait`), and runs the service's timers and heartbeat and the AMI
feed (:mod:`cti.acd.feed`) until the node stops.  ``node.acd`` is then an :class:`AcdNode`.

The service reads time through its clock: the system clock by default.  A simulation passes the
simulator's clock (``acd_extension(clock=sim.clock, tick_every_s=...)``) so that the ACD's waits,
timers and statistics are in simulated seconds; timers are then polled every ``tick_every_s``
real seconds instead of slept for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from acd.agent_state import AgentState, AgentStatus
from acd.clock import Clock, SystemClock
from acd.errors import AcdError, CallNotInPhase
from acd.events import AcdEvent
from acd.model import Agent, AgentLevel, CallbackRequest, WaitingCall
from acd.overflow import load_routing
from acd.service import AcdService
from acd.store import open_store
from cti.acd.dialplan import WAIT_SCRIPT
from cti.acd.feed import AmiFeed, run_feed
from cti.acd.staffing import Staffing
from cti.acd.telephony import AmiTelephony
from cti.acd.wait import WaitHandler
from cti.acd.wallboard import Wallboard
from cti.storage.agents import load_agents
from cti.storage.customers import Language

if TYPE_CHECKING:
    from cti.app import CtiNode, NodeExtension

__all__ = ["AcdNode", "AgentView", "acd_extension"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AgentView:
    agent: Agent
    name: str
    status: AgentStatus


@dataclass
class AcdNode:
    """The ACD of this node, for the HTTP API, the demo and tests.

    Agents: :meth:`login`, :meth:`logout`, :meth:`pause` (with a reason code), :meth:`unpause`,
    :meth:`ready` (end wrap-up early), :meth:`force_logout`, :meth:`escalate` (the agent's current
    call to a senior or the manager hotline), :meth:`agents`, :meth:`status`, :meth:`add_agent`.
    Figures: :attr:`wallboard`.  Events: :meth:`subscribe`.  Everything else: :attr:`service`.
    Errors are :class:`acd.errors.AcdError` subclasses with a stable ``error_id``.
    """

    service: AcdService
    telephony: AmiTelephony
    feed: AmiFeed
    wallboard: Wallboard
    staffing: Staffing
    clock: Clock
    names: dict[str, str] = field(default_factory=dict)  # agent id -> name, from the directory

    # -- agents ---------------------------------------------------------------------------
    async def login(self, agent_id: str) -> AgentStatus:
        status = await self.service.login(agent_id)
        self.staffing.forget()
        return status

    async def logout(self, agent_id: str) -> AgentStatus:
        status = await self.service.logout(agent_id)
        self.staffing.forget()
        return status

    async def pause(self, agent_id: str, reason: str) -> AgentStatus:
        status = await self.service.pause(agent_id, reason)
        self.staffing.forget()
        return status

    async def unpause(self, agent_id: str) -> AgentStatus:
        status = await self.service.unpause(agent_id)
        self.staffing.forget()
        return status

    async def ready(self, agent_id: str) -> AgentStatus:
        return await self.service.ready(agent_id)

    async def force_logout(self, agent_id: str, by: str) -> AgentStatus:
        status = await self.service.force_logout(agent_id, by)
        self.staffing.forget()
        return status

    async def status(self, agent_id: str) -> AgentStatus:
        return await self.service.status(agent_id)

    async def agents(self) -> list[AgentView]:
        statuses = await self.service.store.statuses()
        views = [
            AgentView(
                a, self.names.get(a.id, a.id), statuses.get(a.id) or AgentStatus.logged_out(self.clock.now())
            )
            for a in await self.service.store.agents()
        ]
        return sorted(views, key=lambda v: v.agent.extension)

    async def add_agent(self, agent: Agent, name: str) -> None:
        """Add or update an agent in the ACD (the directory row is the caller's business)."""
        await self.service.register_agent(agent)
        self.names[agent.id] = name

    # -- calls ----------------------------------------------------------------------------
    async def escalate(self, agent_id: str, to: AgentLevel | str, note: str = "") -> WaitingCall:
        """The agent's connected call goes back in line for a senior or the manager hotline,
        with its history; the agent goes to wrap-up.  Raises ``CallNotInPhase`` when the agent
        is not on a call."""
        status = await self.service.status(agent_id)
        if status.state is not AgentState.ON_CALL or status.entry_id is None:
            raise CallNotInPhase(status.entry_id or "-", status.state.value, "on a call")
        return await self.service.escalate(status.entry_id, agent_id, AgentLevel.parse(to), note)

    async def current_call(self, agent_id: str) -> WaitingCall | CallbackRequest | None:
        """The call the agent is being rung for, talking to or wrapping up (its ACD entry)."""
        status = await self.service.status(agent_id)
        if status.entry_id is None:
            return None
        record = await self.service.store.call(status.entry_id)
        return record.entry if record is not None else None

    def subscribe(self, listener: Callable[[AcdEvent], None]) -> Callable[[], None]:
        """Every ACD event of this node, after it is stored; returns the unsubscribe function."""
        return self.service.subscribe(listener)

    # -- the demo -------------------------------------------------------------------------
    async def login_demo_agents(self, count: int) -> list[str]:
        """Log in the first ``count`` agents of the directory (by extension); their extensions."""
        extensions: list[str] = []
        for view in (await self.agents())[:count]:
            if view.status.state is AgentState.LOGGED_OUT:
                await self.login(view.agent.id)
            extensions.append(view.agent.extension)
        return extensions

    def report(self) -> dict[str, Any]:
        return self.wallboard.data()


def acd_extension(*, clock: Clock | None = None, tick_every_s: float | None = None) -> NodeExtension:
    """The node extension that runs the ACD (see the module docstring)."""

    @contextlib.asynccontextmanager
    async def running(node: CtiNode) -> AsyncIterator[None]:
        settings = node.settings
        store = await open_store(settings.acd, settings.redis)
        telephony = AmiTelephony(node.ami, ring_timeout_s=settings.acd.ring_timeout_s)
        service_clock = clock or SystemClock()
        service = AcdService(
            store=store,
            telephony=telephony,
            routing=load_routing(settings.acd.rules_file) if settings.acd.rules_file else load_routing(),
            settings=settings.acd,
            clock=service_clock,
        )
        telephony.on_callback_failed = lambda request, agent: service.agent_not_answered(
            request.request_id, agent.id
        )
        tasks: list[asyncio.Task[None]] = []
        try:
            names = await _load_directory(node, service)
            feed = AmiFeed(node.ami, service, telephony)
            staffing = Staffing(store, service_clock)
            node.routes[WAIT_SCRIPT] = WaitHandler(
                service,
                feed,
                staffing,
                settings.acd,
                default_prefecture=settings.ivr.default_prefecture,
                default_language=Language(settings.ivr.default_language),
            )
            node.acd = AcdNode(
                service, telephony, feed, Wallboard(service, service_clock), staffing, service_clock, names
            )
            await service.start()
            every = tick_every_s
            upkeep: Callable[[], Awaitable[None]] = (
                service.run if every is None else lambda: _poll_timers(service, every)
            )
            tasks.append(asyncio.create_task(_supervised("upkeep", upkeep), name="acd upkeep"))
            tasks.append(asyncio.create_task(run_feed(feed), name="acd feed"))
            log.info("acd up", node=settings.acd.node_id, store=settings.acd.store, agents=len(names))
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await telephony.close()
            await store.close()
            node.routes.pop(WAIT_SCRIPT, None)

    return running


async def _load_directory(node: CtiNode, service: AcdService) -> dict[str, str]:
    async with node.sessions() as db:
        directory = await load_agents(db)
    names: dict[str, str] = {}
    for name, agent in directory:
        await service.register_agent(agent)
        names[agent.id] = name
    return names


async def _poll_timers(service: AcdService, every_s: float) -> None:
    while True:
        try:
            await service.tick()
        except AcdError as exc:
            log.error("acd tick failed", error=str(exc), error_id=exc.error_id)
        await asyncio.sleep(every_s)


async def _supervised(name: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work()``; if it fails (the store unreachable for a moment…), log and run it again."""
    while True:
        try:
            await work()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("acd task failed; restarting in 1 s", task=name)
            await asyncio.sleep(1.0)
