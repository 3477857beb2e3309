"""The web side of a node: the services the HTTP API calls, built from the node's parts.

``build_app(ApiDeps(...))`` builds every service (call control, monitoring, the desks, the
wallboard feed …), hands them to :func:`cti.api.app.build_app`, and gives the app a lifetime
that, while it serves, subscribes to the ACD's events, watches the AMI changes and feeds the
wallboard, and undoes all of it when it stops.  The composition root (:mod:`node.root`) uses it
for ``[api] listen = true``; tests build the same app from their own parts (a simulator's AMI
client, an in-memory ACD, a temporary database).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.redis_link import connect_redis
from cti.access.auth import Authenticator, SignInLimits
from cti.access.login_throttle import LoginThrottle, SignInThrottle
from cti.access.revocations import MemoryRevocations, RedisRevocations, Revocations
from cti.access.shared_throttle import SharedLoginThrottle
from cti.access.tokens import TokenSigner
from cti.acd_bridge.link import AcdLink
from cti.ami.client import AmiClient
from cti.api.app import ApiServices
from cti.api.app import build_app as build_http_app
from cti.api.metrics import ApiMetrics
from cti.background import Background, OrderedJobs
from cti.calls.call_control import CallControl
from cti.calls.call_watch import CallWatch
from cti.calls.dial_out import DialOut
from cti.calls.live_calls import LiveCalls
from cti.calls.metrics import CallMetrics
from cti.calls.monitoring import Monitoring
from cti.calls.recording_pause import RecordingPauseControl
from cti.calls.screen_pop import ScreenPops
from cti.desk.acd_feed import AcdFeed
from cti.desk.agent_desk import AgentDesk
from cti.desk.agent_directory import AgentDirectory
from cti.desk.campaign_desk import CampaignDesk
from cti.desk.customer_notice import CustomerNotifier, LoggedNotifier
from cti.desk.customer_notice_call import VoiceCallNotifier
from cti.desk.customer_view import CustomerDesk
from cti.desk.department_desk import DepartmentDesk
from cti.desk.floor import Floor
from cti.desk.health import NodeHealth, Probe
from cti.desk.knowledge_desk import EspeakRenderer, KnowledgeDesk
from cti.desk.order_desk import OrderDesk
from cti.desk.recording_library import RecordingLibrary
from cti.desk.recording_playback import RecordingPlayback
from cti.desk.supervision import Supervision
from cti.desk.ticket_desk import TicketDesk
from cti.desk.wallboard import WallboardFeed
from cti.notifier import Hub
from node.recording_store import recording_store
from node.settings import Settings
from orders.plug_in import order_service
from orders.service import OrderService
from outbound.attempt_store import AttemptStore
from outbound.campaign_store import CampaignStore
from outbound.holidays_file import load_holidays
from outbound.node import OutboundNode
from outbound.operations import CampaignOperations
from qa.circular_desk import CircularDesk
from qa.sample_desk import SampleDesk
from qa.score_desk import ScoreDesk
from recordings.pause import RecordingPauses
from recordings.store import RecordingStore
from reports.library import ReportLibrary
from storage.prefectures import PREFECTURES

__all__ = ["ApiDeps", "build_app", "shared_access"]

ACCESS_FAILOVER_S = 2.0  # how long a sign-in or an access check retries Redis before going without it


@dataclass(frozen=True)
class ApiDeps:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    ami: AmiClient
    acd: AcdLink
    registry: CollectorRegistry
    clock: Callable[[], float] = time.time
    outbound: OutboundNode | None = None
    store: RecordingStore | None = None  # None: the one ``[recordings] store`` names
    # service orders (None: built here from the settings, with their provisioning adapter)
    orders: OrderService | None = None
    health: NodeHealth | None = None  # None: built here (node_health)


def node_health(settings: Settings, ami: AmiClient, sessions: async_sessionmaker[AsyncSession]) -> NodeHealth:
    """``/health``'s probes: the AMI session, the database, and Redis when the ACD keeps its state there."""

    async def ami_up() -> str | None:
        return (
            None if ami.connected.is_set() else f"no AMI session with {ami.settings.host}:{ami.settings.port}"
        )

    async def database_up() -> str | None:
        async with sessions() as db:
            await db.execute(text("SELECT 1"))
        return None

    async def redis_up() -> str | None:
        client = connect_redis(settings.redis.model_copy(update={"failover_s": 0.0}))  # the primary now
        try:
            await client.ping()
        finally:
            await client.aclose()
        return None

    probes: dict[str, Probe] = {"ami": ami_up, "database": database_up}
    if settings.acd.store == "redis":
        probes["redis"] = redis_up
    return NodeHealth(probes, timeout_s=settings.api.health_timeout_s)


def _notifier(deps: ApiDeps) -> CustomerNotifier | None:
    """自动回复 as ``[desk] auto_reply`` says: a call by the dialer where outbound runs, else logged."""
    mode = deps.settings.desk.auto_reply

    def now() -> datetime:
        return datetime.fromtimestamp(deps.clock(), UTC)

    if mode == "voice" and deps.outbound is not None:
        return VoiceCallNotifier(deps.sessions, deps.outbound.campaigns, now)
    return LoggedNotifier(deps.sessions, now) if mode != "off" else None


def _campaign_operations(deps: ApiDeps) -> CampaignOperations:
    """Managing campaigns needs only the database; dialing is the outbound part's (``Parts.outbound``)."""
    if deps.outbound is not None:
        return deps.outbound.operations
    holidays = load_holidays(deps.settings.outbound.holidays_file)
    return CampaignOperations(
        CampaignStore(deps.sessions, holidays),
        AttemptStore(deps.sessions),
        lambda: datetime.fromtimestamp(deps.clock(), UTC),
    )


def shared_access(settings: Settings) -> tuple[Revocations, SignInThrottle, Redis | None]:
    """Signed-out tokens and sign-in attempts: in Redis when the node keeps the ACD there (shared
    by every node that does; Sentinel-aware like the ACD's client, but retrying for at most
    ``ACCESS_FAILOVER_S`` so a request is not held through a long outage), else in memory."""
    if settings.acd.store != "redis":
        return MemoryRevocations(), LoginThrottle(), None
    redis = settings.redis
    client = connect_redis(redis.model_copy(update={"failover_s": min(redis.failover_s, ACCESS_FAILOVER_S)}))
    revocations = RedisRevocations(client, redis.key_prefix, recheck_s=settings.api.access_recheck_s)
    return revocations, SharedLoginThrottle(client, redis.key_prefix), client


def build_app(deps: ApiDeps) -> web.Application:
    settings = deps.settings.api
    metrics = ApiMetrics(deps.registry)
    call_metrics = CallMetrics(deps.registry)
    hub = Hub(
        queue_size=settings.ws_queue_size,
        on_drop=metrics.ws_dropped.inc,
        frame_interval_s=settings.ws_frame_interval_s,
    )
    acd = deps.acd
    background = Background()
    jobs = OrderedJobs("agent-call-log")
    pops = ScreenPops(deps.sessions, deps.ami)
    feed = AcdFeed(hub, pops, deps.sessions, background, jobs)
    calls = LiveCalls()
    control = CallControl(deps.ami, acd, calls, hub, call_metrics, deps.clock, feed.outcome_hint)
    watch = CallWatch(deps.ami, acd, calls, hub, feed.outcome_hint)
    # with the Redis store other nodes change the figures without this one hearing of it
    keepalive_s = settings.wallboard_interval_s * 2 if deps.settings.acd.store == "redis" else 5.0
    wallboard = WallboardFeed(
        acd, hub, deps.clock, interval_s=settings.wallboard_interval_s, keepalive_s=keepalive_s
    )
    monitoring = Monitoring(deps.ami, acd, control, deps.sessions, hub, call_metrics, background, deps.clock)
    orders = deps.orders or order_service(
        deps.settings.orders, deps.sessions, lambda: datetime.fromtimestamp(deps.clock(), UTC)
    )
    customers = CustomerDesk(deps.sessions, orders.catalogue, control.caller_of_agent, deps.clock)
    notifier = _notifier(deps)
    revocations, throttle, redis_client = shared_access(deps.settings)
    services = ApiServices(
        settings=settings,
        registry=deps.registry,
        metrics=metrics,
        hub=hub,
        auth=Authenticator(
            deps.sessions,
            TokenSigner(settings.token_key, settings.token_ttl_s),
            throttle,
            metrics.logins,
            deps.clock,
            limits=SignInLimits(
                settings.login_attempts_per_minute,
                settings.login_attempts_per_address,
                settings.login_attempts_per_user,
            ),
            revocations=revocations,
            recheck_s=settings.access_recheck_s,
        ),
        desk=AgentDesk(acd, deps.sessions, deps.clock, deps.settings.ivr.timezone),
        calls=control,
        pops=pops,
        tickets=TicketDesk(
            deps.sessions,
            control.caller_of_agent,
            deps.clock,
            hub,
            callbacks=deps.outbound.callbacks if deps.outbound else None,
            notifier=notifier,
        ),
        floor=Floor(acd, calls, deps.clock),
        qa=monitoring,
        recordings=RecordingLibrary(deps.sessions),
        wallboard=wallboard,
        campaigns=CampaignDesk(_campaign_operations(deps)),
        dial_out=DialOut(deps.ami, acd, deps.sessions, deps.clock),
        qa_scores=ScoreDesk(deps.sessions, deps.settings.qa, deps.clock),
        qa_samples=SampleDesk(deps.sessions, deps.settings.qa, deps.clock),
        circulars=CircularDesk(deps.sessions, deps.clock),
        playback=RecordingPlayback(
            deps.sessions,
            deps.store if deps.store is not None else recording_store(deps.settings.recordings),
            deps.clock,
            link_ttl_s=deps.settings.recordings.link_ttl_s,
        ),
        recording_pause=RecordingPauseControl(
            control, RecordingPauses(deps.ami, deps.sessions, deps.clock), hub
        ),
        departments=DepartmentDesk(deps.sessions, hub, deps.clock),
        supervision=Supervision(deps.sessions, deps.settings.workflow.policy(), deps.clock),
        directory=AgentDirectory(acd, deps.sessions),
        reports=ReportLibrary(
            deps.sessions,
            tuple(p.code for p in PREFECTURES),
            service_level_s=deps.settings.reports.service_level_s,
            clock=deps.clock,
        ),
        customers=customers,
        orders=OrderDesk(deps.sessions, orders, customers, deps.clock),
        knowledge=KnowledgeDesk(deps.sessions, EspeakRenderer(deps.settings.ivr.prompts_dir), deps.clock),
        health=deps.health or node_health(deps.settings, deps.ami, deps.sessions),
    )

    @contextlib.asynccontextmanager
    async def lifetime() -> AsyncIterator[None]:
        undo: list[Callable[[], None]] = []
        if acd.present:
            undo.append(acd.service.subscribe(feed))
            undo.append(acd.service.stats.subscribe(wallboard.mark))
        await services.qa_scores.library()  # registers the form versions; a broken form file stops here
        background.spawn(jobs.run(), name="agent call log")
        background.spawn(watch.run(), name="call watch")
        background.spawn(monitoring.run(), name="monitoring watch")
        background.spawn(wallboard.run(), name="wallboard")
        try:
            yield
        finally:
            for unsubscribe in undo:
                unsubscribe()
            await background.aclose()
            await services.auth.aclose()
            if redis_client is not None:
                await redis_client.aclose()

    return build_http_app(services, lifetime=lifetime)
