"""The ACD of a running CTI node: :func:`running_acd`, and :class:`AcdNode`, what other parts use.

:func:`running_acd` (entered by the composition root, :mod:`node.root`) opens the ACD's store
(``[acd] store``: memory, or Redis shared by every node), builds the :class:`acd.service.AcdService`
with the AMI telephony (:mod:`cti.acd_bridge.telephony`; with a shared store, the callers of
other Asterisk servers are acted on through their nodes: :mod:`cti.acd_bridge.servers`), loads
the active agents of the directory (:mod:`storage.agents`) into it (and takes out those retired
meanwhile), and runs the service's timers and heartbeat and the AMI feed
(:mod:`cti.acd_bridge.feed`) until the block ends.  It yields an :class:`AcdNode`, whose ``wait``
is the ``acd-wait`` FastAGI route (:mod:`cti.acd_bridge.wait`) the root registers.

The service reads time through its clock: the system clock by default.  A simulation passes the
simulator's clock (``running_acd(..., clock=sim.clock, tick_every_s=...)``) so that the ACD's
waits, timers and statistics are in simulated seconds; timers are then polled every
``tick_every_s`` real seconds instead of slept for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState, AgentStatus
from acd.clock import Clock, SystemClock
from acd.errors import AcdError, AgentNotLoggedOut, CallNotInPhase
from acd.events import AcdEvent
from acd.model import Agent, AgentLevel, CallbackRequest, WaitingCall
from acd.overflow import load_routing
from acd.redis_link import connect_redis
from acd.service import AcdService
from acd.settings import AcdSettings, RedisSettings
from acd.store import open_store
from cti.acd_bridge.callback_retries import CallbackRetries
from cti.acd_bridge.feed import AmiFeed, run_feed
from cti.acd_bridge.servers import ServerTelephony
from cti.acd_bridge.staffing import Staffing
from cti.acd_bridge.telephony import AmiTelephony
from cti.acd_bridge.wait import WaitHandler
from cti.acd_bridge.wallboard import Wallboard
from cti.ami.client import AmiClient
from prompts.language import Language
from storage.agents import agent_records, load_agents
from storage.customers import find_customer_by_number

__all__ = ["AcdNode", "AgentView", "running_acd"]

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
    wait: WaitHandler  # the ``acd-wait`` FastAGI route
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
        statuses = await self.service.statuses()
        views = [
            AgentView(
                a, self.names.get(a.id, a.id), statuses.get(a.id) or AgentStatus.logged_out(self.clock.now())
            )
            for a in await self.service.agents()
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
        record = await self.service.call_of_agent(agent_id)
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

    async def report(self) -> dict[str, Any]:
        return await self.wallboard.data()


@contextlib.asynccontextmanager
async def running_acd(
    settings: AcdSettings,
    redis: RedisSettings,
    *,
    ami: AmiClient,
    sessions: async_sessionmaker[AsyncSession],
    default_prefecture: str,
    default_language: Language,
    clock: Clock | None = None,
    tick_every_s: float | None = None,
) -> AsyncIterator[AcdNode]:
    """The ACD of a node, running until the block ends (see the module docstring)."""
    store = await open_store(settings, redis)
    telephony = AmiTelephony(ami, ring_timeout_s=settings.ring_timeout_s)
    # a shared ACD may reserve this node's agents for other servers' callers, and the other
    # nodes this server's: each caller's channel is acted on through its own server's node
    servers = (
        ServerTelephony(telephony, connect_redis(redis), f"{redis.key_prefix}:acd", settings.node_id)
        if settings.store == "redis"
        else None
    )
    service_clock = clock or SystemClock()
    service = AcdService(
        store=store,
        telephony=servers or telephony,
        routing=load_routing(settings.rules_file) if settings.rules_file else load_routing(),
        settings=settings,
        clock=service_clock,
    )
    telephony.on_callback_failed = lambda request, agent: service.agent_not_answered(
        request.request_id, agent.id
    )
    tasks: list[asyncio.Task[None]] = []
    feed = AmiFeed(ami, service, telephony)
    try:
        names = await _load_directory(sessions, service)
        retries = CallbackRetries(service, sessions, service_clock, settings.callback_retry_s)
        feed.on_callback_unanswered = retries.unanswered
        service.hold_ring_timeouts(feed.blind)  # no ``no-answer`` for what an AMI outage hid
        staffing = Staffing(store, service_clock)
        wait = WaitHandler(
            service,
            feed,
            staffing,
            settings,
            default_prefecture=default_prefecture,
            default_language=default_language,
            registered=_registered_number(sessions),
        )
        acd = AcdNode(
            service, telephony, feed, Wallboard(service, service_clock), staffing, service_clock, wait, names
        )
        await service.start()
        every = tick_every_s
        upkeep: Callable[[], Awaitable[None]] = (
            service.run if every is None else lambda: _poll_timers(service, every)
        )
        timers = _after_first_sync(feed, upkeep, settings.presence_ttl_s / 3)
        tasks.append(asyncio.create_task(_supervised("upkeep", timers), name="acd upkeep"))
        tasks.append(asyncio.create_task(run_feed(feed), name="acd feed"))
        tasks.append(asyncio.create_task(_supervised("feed heal", feed.heal), name="acd feed heal"))
        tasks.append(asyncio.create_task(retries.run(), name="acd callback retries"))
        tasks.append(asyncio.create_task(service.board.run(), name="acd tally"))
        if servers is not None:
            serve = _supervised("server requests", servers.serve)
            tasks.append(asyncio.create_task(serve, name="acd server requests"))
        log.info("acd up", node=settings.node_id, store=settings.store, agents=len(names))
        yield acd
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await feed.close()
        if servers is not None:
            await servers.close()
            await servers.redis.aclose()
        await telephony.close()
        await store.close()


async def _load_directory(sessions: async_sessionmaker[AsyncSession], service: AcdService) -> dict[str, str]:
    async with sessions() as db:
        directory = await load_agents(db)
        retired = [r.agent_id for r in await agent_records(db, include_retired=True) if not r.active]
    for agent_id in retired:  # retired while this node was down (``hotline agents retire``)
        try:
            await service.remove_agent(agent_id)
        except AgentNotLoggedOut:
            log.warning("acd: a retired agent is still logged in; left in until they log out", agent=agent_id)
    names: dict[str, str] = {}
    for name, agent in directory:
        await service.register_agent(agent)
        names[agent.id] = name
    return names


def _after_first_sync(
    feed: AmiFeed, upkeep: Callable[[], Awaitable[None]], at_most_s: float
) -> Callable[[], Awaitable[None]]:
    """The upkeep, started once the feed has compared the ACD with Asterisk's channels (or after
    ``at_most_s``, before this node's presence could lapse): a node taking over a server must
    not time out offers that were answered while no node was listening."""

    async def run() -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most_s):
                await feed.synced.wait()
        await upkeep()

    return run


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


def _registered_number(sessions: async_sessionmaker[AsyncSession]) -> Callable[[str], Awaitable[bool]]:
    """Whether a number is a customer's on record (``[acd] callback_numbers = "registered"``)."""

    async def registered(number: str) -> bool:
        async with sessions() as db:
            return await find_customer_by_number(db, number) is not None

    return registered
