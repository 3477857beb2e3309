"""The HTTP application: the route table, the services it calls under typed keys, middlewares.

``build_app(services)`` gives an :class:`aiohttp.web.Application` serving every route of
:data:`ROUTES` and :data:`PUBLIC_ROUTES`.  The services are built by the composition root
(:mod:`node.web`); this module only puts them where the handlers find them
(:mod:`cti.api.keys`).  The background work the services need while the app serves (the call
watch, the wallboard feed …) is the root's ``lifetime``, run in the app's cleanup context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry

from cti.access.auth import Authenticator
from cti.access.client_address import TrustedProxies
from cti.api import (
    http_agent,
    http_campaigns,
    http_circulars,
    http_customers,
    http_departments,
    http_dial_out,
    http_floor,
    http_health,
    http_knowledge,
    http_pages,
    http_qa,
    http_recordings,
    http_reports,
    http_session,
    http_supervision,
    http_tickets,
)
from cti.api.keys import (
    AUTH,
    CALLS,
    CAMPAIGNS,
    CIRCULARS,
    CUSTOMERS,
    DEPARTMENTS,
    DESK,
    DIAL_OUT,
    DIRECTORY,
    FLOOR,
    HEALTH,
    HUB,
    KNOWLEDGE,
    METRICS,
    OPENAPI,
    ORDERS,
    PLAYBACK,
    POPS,
    PROXIES,
    QA,
    QA_SAMPLES,
    QA_SCORES,
    RECORDING_PAUSE,
    RECORDINGS,
    REGISTRY,
    REPORT_LIBRARY,
    SETTINGS,
    SUPERVISION,
    TICKETS,
    WALLBOARD,
)
from cti.api.metrics import ApiMetrics
from cti.api.middleware import middlewares
from cti.api.openapi import build_document
from cti.api.routes import MAX_BODY, PublicRoute, Route, install
from cti.api.settings import ApiSettings
from cti.calls.call_control import CallControl
from cti.calls.dial_out import DialOut
from cti.calls.monitoring import Monitoring
from cti.calls.recording_pause import RecordingPauseControl
from cti.calls.screen_pop import ScreenPops
from cti.desk.agent_desk import AgentDesk
from cti.desk.agent_directory import AgentDirectory
from cti.desk.campaign_desk import CampaignDesk
from cti.desk.customer_view import CustomerDesk
from cti.desk.department_desk import DepartmentDesk
from cti.desk.floor import Floor
from cti.desk.health import NodeHealth
from cti.desk.knowledge_desk import KnowledgeDesk
from cti.desk.order_desk import OrderDesk
from cti.desk.recording_library import RecordingLibrary
from cti.desk.recording_playback import RecordingPlayback
from cti.desk.supervision import Supervision
from cti.desk.ticket_desk import TicketDesk
from cti.desk.wallboard import WallboardFeed
from cti.notifier import Hub
from qa.circular_desk import CircularDesk
from qa.sample_desk import SampleDesk
from qa.score_desk import ScoreDesk
from reports.library import ReportLibrary

__all__ = ["PUBLIC_ROUTES", "ROUTES", "ApiServices", "build_app"]

ROUTES: list[Route] = [
    *http_session.ROUTES,
    *http_agent.ROUTES,
    *http_tickets.ROUTES,
    *http_floor.ROUTES,
    *http_recordings.ROUTES,
    *http_campaigns.ROUTES,
    *http_dial_out.ROUTES,
    *http_qa.ROUTES,
    *http_circulars.ROUTES,
    *http_departments.ROUTES,
    *http_supervision.ROUTES,
    *http_reports.ROUTES,
    *http_customers.ROUTES,
    *http_knowledge.ROUTES,
]
PUBLIC_ROUTES: list[PublicRoute] = [
    *http_session.PUBLIC_ROUTES,
    *http_health.PUBLIC_ROUTES,
    *http_pages.PUBLIC_ROUTES,
    *http_recordings.PUBLIC_ROUTES,
]
VERSION = "1.0.0"


@dataclass(frozen=True, slots=True)
class ApiServices:
    """What the HTTP resources call, one service per feature (built by :mod:`node.web`)."""

    settings: ApiSettings
    registry: CollectorRegistry
    metrics: ApiMetrics
    hub: Hub
    auth: Authenticator
    desk: AgentDesk
    calls: CallControl
    pops: ScreenPops
    tickets: TicketDesk
    floor: Floor
    qa: Monitoring
    recordings: RecordingLibrary
    wallboard: WallboardFeed
    campaigns: CampaignDesk
    dial_out: DialOut
    qa_scores: ScoreDesk
    qa_samples: SampleDesk
    circulars: CircularDesk
    playback: RecordingPlayback
    recording_pause: RecordingPauseControl
    departments: DepartmentDesk
    supervision: Supervision
    directory: AgentDirectory
    reports: ReportLibrary
    customers: CustomerDesk
    orders: OrderDesk
    knowledge: KnowledgeDesk
    health: NodeHealth = field(default_factory=lambda: NodeHealth({}))  # no probes: up


def build_app(
    services: ApiServices,
    *,
    lifetime: Callable[[], AbstractAsyncContextManager[None]] | None = None,
) -> web.Application:
    """The application serving ``services``; ``lifetime()`` is entered when it starts serving and
    left when it stops (aiohttp's cleanup context)."""
    app = web.Application(middlewares=middlewares(), client_max_size=MAX_BODY)
    app[SETTINGS] = services.settings
    app[REGISTRY] = services.registry
    app[METRICS] = services.metrics
    app[HUB] = services.hub
    app[AUTH] = services.auth
    app[PROXIES] = TrustedProxies(services.settings.trusted_proxies)
    app[DESK] = services.desk
    app[CALLS] = services.calls
    app[POPS] = services.pops
    app[TICKETS] = services.tickets
    app[FLOOR] = services.floor
    app[QA] = services.qa
    app[RECORDINGS] = services.recordings
    app[WALLBOARD] = services.wallboard
    app[CAMPAIGNS] = services.campaigns
    app[DIAL_OUT] = services.dial_out
    app[QA_SCORES] = services.qa_scores
    app[QA_SAMPLES] = services.qa_samples
    app[CIRCULARS] = services.circulars
    app[PLAYBACK] = services.playback
    app[RECORDING_PAUSE] = services.recording_pause
    app[DEPARTMENTS] = services.departments
    app[SUPERVISION] = services.supervision
    app[DIRECTORY] = services.directory
    app[REPORT_LIBRARY] = services.reports
    app[CUSTOMERS] = services.customers
    app[ORDERS] = services.orders
    app[KNOWLEDGE] = services.knowledge
    app[HEALTH] = services.health
    app[OPENAPI] = build_document(ROUTES, PUBLIC_ROUTES, version=VERSION)
    install(app, ROUTES, PUBLIC_ROUTES)
    if lifetime is not None:
        enter = lifetime

        async def running(app: web.Application) -> AsyncIterator[None]:
            async with enter():
                yield

        app.cleanup_ctx.append(running)
    return app
