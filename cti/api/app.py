"""The API's composition root: services built from the node's parts, under typed keys, with their
background work in one cleanup context.

``build_app(ApiDeps.of_node(node))`` gives an :class:`aiohttp.web.Application`; starting it (an
``AppRunner``, or aiohttp's test client) subscribes to the ACD's events and to the AMI changes
and starts the wallboard feed; cleaning it up undoes all of it.  Tests build the same app from
their own parts (a simulator's AMI client, an in-memory ACD, a temporary database).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.errors import AcdError
from acd.model import CallbackRequest, WaitingEntry
from cti.ami.client import AmiClient
from cti.api import http_agent, http_floor, http_pages, http_recordings, http_session, http_tickets
from cti.api.acd_feed import AcdFeed
from cti.api.acd_link import AcdLink
from cti.api.agent_desk import AgentDesk
from cti.api.auth import Authenticator
from cti.api.background import Background, OrderedJobs
from cti.api.call_control import CallControl
from cti.api.call_watch import CallWatch
from cti.api.floor import Floor
from cti.api.keys import (
    AUTH,
    CALLS,
    DESK,
    FLOOR,
    HUB,
    METRICS,
    OPENAPI,
    POPS,
    QA,
    RECORDINGS,
    REGISTRY,
    SETTINGS,
    TICKETS,
    WALLBOARD,
)
from cti.api.live_calls import LiveCalls
from cti.api.login_throttle import LoginThrottle
from cti.api.metrics import ApiMetrics
from cti.api.middleware import middlewares
from cti.api.monitoring import Monitoring
from cti.api.notifier import Hub
from cti.api.openapi import build_document
from cti.api.recording_library import RecordingLibrary
from cti.api.routes import MAX_BODY, PublicRoute, Route, install
from cti.api.screen_pop import ScreenPops
from cti.api.ticket_desk import TicketDesk
from cti.api.tokens import TokenSigner
from cti.api.wallboard import WallboardFeed
from cti.settings import Settings

__all__ = ["PUBLIC_ROUTES", "ROUTES", "ApiDeps", "build_app"]

ROUTES: list[Route] = [
    *http_session.ROUTES,
    *http_agent.ROUTES,
    *http_tickets.ROUTES,
    *http_floor.ROUTES,
    *http_recordings.ROUTES,
]
PUBLIC_ROUTES: list[PublicRoute] = [*http_session.PUBLIC_ROUTES, *http_pages.PUBLIC_ROUTES]
VERSION = "1.0.0"


@dataclass(frozen=True)
class ApiDeps:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    ami: AmiClient
    acd: AcdLink
    registry: CollectorRegistry
    clock: Callable[[], float] = time.time

    @classmethod
    def of_node(cls, node: Any) -> ApiDeps:
        """From a :class:`cti.app.CtiNode` (and its ACD, when it runs one)."""
        return cls(node.settings, node.sessions, node.ami, AcdLink.of_node(node), node.registry)


def build_app(deps: ApiDeps) -> web.Application:
    settings = deps.settings.api
    app = web.Application(middlewares=middlewares(), client_max_size=MAX_BODY)
    metrics = ApiMetrics(deps.registry)
    hub = Hub(queue_size=settings.ws_queue_size, on_drop=metrics.ws_dropped.inc)
    acd = deps.acd
    background = Background()
    jobs = OrderedJobs("agent-call-log")
    pops = ScreenPops(deps.sessions, deps.ami)
    feed = AcdFeed(hub, pops, deps.sessions, background, jobs)
    calls = LiveCalls()
    control = CallControl(deps.ami, acd, calls, hub, metrics, deps.clock, feed.outcome_hint)
    watch = CallWatch(deps.ami, acd, calls, hub, feed.outcome_hint)
    wallboard = WallboardFeed(acd, hub, deps.clock, interval_s=settings.wallboard_interval_s)

    async def current_caller(agent_id: str) -> tuple[str, str] | None:
        """The number and prefecture of the caller the agent is being rung for or talking to."""
        live = calls.of_agent(agent_id)
        entry: WaitingEntry | None = live.entry if live is not None else None
        if entry is None and acd.present:
            try:
                status = await acd.service.status(agent_id)
            except AcdError:
                return None
            record = await acd.service.store.call(status.entry_id) if status.entry_id else None
            if record is not None and record.agent_id == agent_id:
                entry = record.entry
        if isinstance(entry, CallbackRequest):
            return entry.number, entry.prefecture
        if entry is None or not entry.caller_number:
            return None
        return entry.caller_number, entry.prefecture

    app[SETTINGS] = settings
    app[REGISTRY] = deps.registry
    app[METRICS] = metrics
    app[HUB] = hub
    app[AUTH] = Authenticator(
        deps.sessions,
        TokenSigner(settings.token_key, settings.token_ttl_s),
        LoginThrottle(settings.login_attempts_per_minute),
        metrics,
        deps.clock,
    )
    app[DESK] = AgentDesk(acd, deps.sessions, deps.clock, deps.settings.ivr.timezone)
    app[CALLS] = control
    app[POPS] = pops
    app[TICKETS] = TicketDesk(deps.sessions, current_caller, deps.clock)
    app[FLOOR] = Floor(acd, calls, deps.clock)
    app[QA] = Monitoring(deps.ami, acd, control, deps.sessions, hub, metrics, background, deps.clock)
    app[RECORDINGS] = RecordingLibrary(deps.sessions, deps.settings.recordings.directory)
    app[WALLBOARD] = wallboard
    app[OPENAPI] = build_document(ROUTES, PUBLIC_ROUTES, version=VERSION)
    install(app, ROUTES, PUBLIC_ROUTES)

    async def running(app: web.Application) -> AsyncIterator[None]:
        undo: list[Callable[[], None]] = []
        if acd.present:
            undo.append(acd.service.subscribe(feed))
            undo.append(acd.service.stats.subscribe(wallboard.mark))
        background.spawn(jobs.run(), name="agent call log")
        background.spawn(watch.run(), name="call watch")
        background.spawn(app[QA].run(), name="monitoring watch")
        background.spawn(wallboard.run(), name="wallboard")
        try:
            yield
        finally:
            for unsubscribe in undo:
                unsubscribe()
            await background.aclose()

    app.cleanup_ctx.append(running)
    return app
