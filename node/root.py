"""The composition root: one CTI node, built from one :class:`~node.settings.Settings`.

``async with running_node(settings) as node:`` opens the database (and writes the departments
file into it), connects the AMI client,
starts the recording archive, the ACD, the HTTP API (when ``[api] listen``), workflow monitoring
(its alerts go out through the API's WebSocket hub) and the FastAGI server with its routes
(``ivr``, ``acd-wait``), in that order, and stops them in reverse order
on the way out.  Each part gets what it needs as arguments — settings, the session factory, the
AMI client — and nothing else; no part receives the node.  ``hotline serve`` and ``hotline demo``
both build their node here; tests and benchmarks choose the parts they run (:class:`Parts`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.clock import Clock
from cti.acd_bridge.dialplan import WAIT_SCRIPT
from cti.acd_bridge.link import AcdLink
from cti.acd_bridge.node import AcdNode, running_acd
from cti.agi.server import FastAgiServer, Handler
from cti.agi.sounds import SoundFolder
from cti.ami.client import AmiClient
from cti.ami.metrics import AmiMetrics
from cti.api.keys import HUB
from cti.api.server import RunningApi, running_api
from cti.background import Background
from cti.desk.health import NodeHealth
from cti.notifier import Hub
from ivr.actions.catalogue import VOCABULARY
from ivr.handler import build_ivr_handler
from ivr.menu_loader import load_menu
from ivr.row_writer import IvrRowWriter, running_row_writer
from node.agi_trust import ChannelVouch
from node.heap import limit_malloc_arenas, malloc_trim, trim_heap_forever
from node.recording_store import recording_store
from node.settings import Settings
from node.web import ApiDeps, build_app, node_health
from orders.plug_in import order_service
from orders.service import OrderService
from outbound.node import OutboundNode, running_outbound
from prompts.language import Language
from recordings.archive import RecordingArchive, running_archive
from recordings.pause import RecordingPauses
from recordings.retention import parse_policy
from recordings.retention_job import RetentionJob
from reports.recorder import RunningReports, running_reports
from storage.db import create_engine_from_settings, session_factory
from storage.migrate import upgrade
from storage.prefectures import PREFECTURES
from workflow.node import running_workflow, sync_departments
from workflow.watch import WorkflowWatch

__all__ = ["DEFAULT_MENU", "Node", "Parts", "running_node"]

log = structlog.get_logger(__name__)


def _draining(health: NodeHealth, draining: asyncio.Event) -> None:
    log.info("cti node draining")
    health.drain()
    draining.set()  # calls in the IVR are handed on to the queue at their next menu node


def _utc_now() -> datetime:
    return datetime.now(UTC)


DEFAULT_MENU = Path(__file__).resolve().parents[1] / "ivr" / "menus" / "hotline.yaml"


@dataclass(frozen=True, slots=True)
class Parts:
    """Which parts a node runs besides its database, AMI client and FastAGI server."""

    ivr: bool = True  # the ``ivr`` FastAGI route
    acd: bool = True  # the ACD and its ``acd-wait`` route
    recordings: bool = True  # the recording archive
    retention: bool = True  # the retention job, every ``[recordings] retention_every_s`` (0: never)
    api: bool = True  # the HTTP API and pages, served when ``[api] listen = true``
    reports: bool = True  # call records, pre-aggregates, repeat complaints, scheduled exports
    orders: bool = True  # service orders and lost-phone suspensions (IVR and desk)
    # the ACD's clock: simulated time in the demo and the benchmarks; timers are then polled
    # every ``acd_tick_every_s`` real seconds instead of slept for
    acd_clock: Clock | None = None
    acd_tick_every_s: float | None = None
    # outbound campaigns: the FastAGI scripts (survey, reminder, rating, outbound-connect), the
    # automatic 回访 of closed tickets; ``outbound_dialer`` also runs the dialer on this node.
    # Off unless asked for (``hotline serve`` does): without it a closed ticket closes at once and
    # the dialplan's post-call rating finds no route and hangs up.
    outbound: bool = False
    outbound_dialer: bool = True
    outbound_clock: Callable[[], datetime] | None = None
    workflow: bool = True  # workflow monitoring: the job that marks, alerts, escalates and chases
    workflow_clock: Clock | None = None  # its clock (None: the system's)


@dataclass(frozen=True)
class Node:
    """A running node: what the CLI, the demo, benchmarks and tests may look at."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    ami: AmiClient
    agi: FastAgiServer
    registry: CollectorRegistry
    acd: AcdNode | None
    recordings: RecordingArchive | None
    api: RunningApi | None
    outbound: OutboundNode | None = None
    workflow: WorkflowWatch | None = None
    reports: RunningReports | None = None
    orders: OrderService | None = None
    ivr_rows: IvrRowWriter | None = None  # the IVR's records and tickets waiting for the database


@contextlib.asynccontextmanager
async def running_node(
    settings: Settings,
    *,
    parts: Parts = Parts(),
    registry: CollectorRegistry | None = None,
    extra_routes: Mapping[str, Handler] | None = None,
    create_tables: bool = True,
) -> AsyncIterator[Node]:
    """Run a node until the block ends (see the module docstring)."""
    registry = registry if registry is not None else CollectorRegistry()
    if settings.heap.malloc_arenas:  # before the node's threads make arenas of their own
        limit_malloc_arenas(settings.heap.malloc_arenas)
    async with contextlib.AsyncExitStack() as stack:
        engine = create_engine_from_settings(settings.storage)
        stack.push_async_callback(engine.dispose)
        if create_tables:  # brings the schema to today's models (hotline db upgrade)
            await upgrade(engine)
        sessions = session_factory(engine)
        await sync_departments(sessions, settings.workflow.departments_file)
        ami = AmiClient(
            settings.ami, metrics=AmiMetrics(registry, server=f"{settings.ami.host}:{settings.ami.port}")
        )
        routes: dict[str, Handler] = {}
        draining = asyncio.Event()  # set when the node starts shutting down
        orders = order_service(settings.orders, sessions, _utc_now) if parts.orders else None
        ivr_rows = None
        if parts.ivr:
            menu = load_menu(settings.ivr.menu_file or DEFAULT_MENU, VOCABULARY)
            privacy = RecordingPauses(ami, sessions)  # a running recording is paused around the PIN
            ivr_rows = await stack.enter_async_context(running_row_writer(sessions))
            routes["ivr"] = build_ivr_handler(
                sessions,
                menu,
                settings.ivr,
                orders=orders,
                privacy=privacy,
                draining=draining.is_set,
                rows=ivr_rows,
            )
        await ami.start()
        stack.push_async_callback(ami.stop)
        store = recording_store(settings.recordings)
        archive = None
        if parts.recordings:
            archive = await stack.enter_async_context(
                running_archive(
                    settings.recordings,
                    sessions,
                    ami,
                    default_prefecture=settings.ivr.default_prefecture,
                    store=store,
                )
            )
        scheduled = Background()
        stack.push_async_callback(scheduled.aclose)
        trim = malloc_trim() if settings.heap.trim_every_s > 0 else None
        if trim is not None:
            scheduled.spawn(trim_heap_forever(settings.heap.trim_every_s, trim, registry), name="heap trim")
        if parts.retention and settings.recordings.retention_every_s > 0:
            retention = RetentionJob(
                sessions,
                store,
                parse_policy(settings.recordings.retention),
                timezone=settings.recordings.timezone,
            )
            scheduled.spawn(
                retention.run_forever(settings.recordings.retention_every_s), name="recordings retention"
            )
        acd = None
        if parts.acd:
            acd = await stack.enter_async_context(
                running_acd(
                    settings.acd,
                    settings.redis,
                    ami=ami,
                    sessions=sessions,
                    default_prefecture=settings.ivr.default_prefecture,
                    default_language=Language(settings.ivr.default_language),
                    clock=parts.acd_clock,
                    tick_every_s=parts.acd_tick_every_s,
                )
            )
            routes[WAIT_SCRIPT] = acd.wait
        outbound = None
        if parts.outbound:
            outbound = await stack.enter_async_context(
                running_outbound(
                    settings.outbound,
                    sessions=sessions,
                    ami=ami,
                    registry=registry,
                    node_id=settings.acd.node_id,
                    acd=acd.service if acd else None,
                    acd_clock=acd.clock if acd else None,
                    dial=parts.outbound_dialer,
                    clock=parts.outbound_clock,
                )
            )
            routes.update(outbound.routes)
        reports = None
        if parts.reports:
            reports = await stack.enter_async_context(
                running_reports(
                    settings.reports,
                    sessions,
                    ami,
                    subscribe=acd.subscribe if acd is not None else None,
                    clock=acd.clock if acd is not None else None,
                    registry=registry,
                    default_prefecture=settings.ivr.default_prefecture,
                    prefectures=tuple(p.code for p in PREFECTURES),
                )
            )
        api = None
        health = node_health(settings, ami, sessions)  # /health: AMI, database, Redis; draining
        hub = Hub()  # alerts reach the browsers through the API's hub; without an API, nobody's
        if parts.api and settings.api.listen:
            app = build_app(
                ApiDeps(
                    settings,
                    sessions,
                    ami,
                    AcdLink.of(acd, sessions),
                    registry,
                    outbound=outbound,
                    store=store,
                    orders=orders,
                    health=health,
                )
            )
            api = await stack.enter_async_context(running_api(app, settings.api.host, settings.api.port))
            hub = app[HUB]
        watch = None
        if parts.workflow:
            watch = await stack.enter_async_context(
                running_workflow(
                    settings.workflow,
                    sessions,
                    hub,
                    registry,
                    node=settings.acd.node_id,
                    clock=parts.workflow_clock,
                )
            )
        routes.update(extra_routes or {})
        # the rendered prompts are played by absolute path: Asterisk never looks in prompts_dir itself
        sounds = SoundFolder(settings.ivr.prompts_dir) if settings.ivr.prompts_by_path else None
        vouch = ChannelVouch(ami.state.channel, settings.agi.trust_wait_s, seeing=ami.connected.is_set)
        agi = FastAgiServer.from_settings(routes, settings.agi, registry=registry, sounds=sounds, vouch=vouch)
        await agi.start()
        stack.push_async_callback(agi.stop)
        # shutting down: first /health says so (503 draining), then the FastAGI server refuses new
        # calls and gives running ones [agi] drain_timeout_s; the ACD's state stays in its store
        stack.callback(_draining, health, draining)
        log.info("cti node up", agi_port=agi.port, ami=f"{settings.ami.host}:{settings.ami.port}")
        yield Node(
            settings,
            sessions,
            ami,
            agi,
            registry,
            acd,
            archive,
            api,
            outbound=outbound,
            workflow=watch,
            reports=reports,
            orders=orders,
            ivr_rows=ivr_rows,
        )
