"""Outbound on a running CTI node: :func:`running_outbound`, entered by the composition root.

It loads the holiday calendar (``[outbound] holidays_file``), builds the stores, the dialer, the
automatic 回访 and the arrears job, the FastAGI scripts (routes :data:`ROUTES`), runs the dialer
until the block ends and yields an :class:`OutboundNode` — what the API, the CLI and tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import structlog
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.clock import Clock
from acd.service import AcdService
from cti.agi.server import Handler
from cti.ami.client import AmiClient
from outbound.agent_pool import AcdAgentPool
from outbound.arrears import ArrearsJob
from outbound.attempt_store import AttemptStore
from outbound.calendar import SHANGHAI
from outbound.campaign_store import CampaignStore
from outbound.dialer import Dialer
from outbound.holidays_file import load_holidays
from outbound.metrics import DialerMetrics
from outbound.operations import CampaignOperations
from outbound.scripts.agent_connect import AgentConnect
from outbound.scripts.notice import NoticeScript
from outbound.scripts.rating import RatingScript
from outbound.scripts.reminder import ReminderScript
from outbound.scripts.survey import SurveyScript
from outbound.settings import OutboundSettings
from outbound.ticket_callback import TicketCallbacks

__all__ = ["ROUTES", "OutboundNode", "running_outbound"]

log = structlog.get_logger(__name__)

ROUTES = ("survey", "reminder", "rating", "notice", "outbound-connect")


@dataclass
class OutboundNode:
    settings: OutboundSettings
    campaigns: CampaignStore
    attempts: AttemptStore
    dialer: Dialer
    callbacks: TicketCallbacks
    arrears: ArrearsJob
    routes: dict[str, Handler]
    operations: CampaignOperations


def _utc_now() -> datetime:
    return datetime.now(UTC)


@contextlib.asynccontextmanager
async def running_outbound(
    settings: OutboundSettings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    ami: AmiClient,
    registry: CollectorRegistry,
    node_id: str,
    acd: AcdService | None = None,
    acd_clock: Clock | None = None,
    clock: Callable[[], datetime] | None = None,
    tz: ZoneInfo = SHANGHAI,
    dial: bool = True,
) -> AsyncIterator[OutboundNode]:
    """Outbound until the block ends; ``dial=False`` builds everything but does not start the dialer."""
    clock = clock or _utc_now
    holidays = load_holidays(settings.holidays_file)
    campaigns = CampaignStore(sessions, holidays)
    attempts = AttemptStore(sessions)
    callbacks = TicketCallbacks(sessions, campaigns, settings, clock)
    pool = None
    if acd is not None and acd_clock is not None:
        pool = AcdAgentPool(acd, acd_clock, inbound_first=settings.inbound_first)
    dialer = Dialer(
        settings, campaigns, attempts, ami, node_id=node_id, clock=clock, metrics=DialerMetrics(registry),
        agents=pool, on_final=callbacks.gave_up,
    )  # fmt: skip
    routes: dict[str, Handler] = {
        "survey": SurveyScript(sessions, campaigns, attempts, callbacks, settings, clock),
        "reminder": ReminderScript(sessions, campaigns, attempts, clock, tz),
        "rating": RatingScript(sessions, clock),
        "notice": NoticeScript(campaigns, attempts),
    }
    if acd is not None:
        routes["outbound-connect"] = AgentConnect(acd, attempts, clock, dialer.agent_connected, acd_clock)
    arrears = ArrearsJob(sessions, campaigns, settings, clock, tz)
    operations = CampaignOperations(campaigns, attempts, clock)
    node = OutboundNode(settings, campaigns, attempts, dialer, callbacks, arrears, routes, operations)
    task = asyncio.create_task(dialer.run(), name="outbound dialer") if dial else None
    log.info("outbound up", node=node_id, dialing=dial, holidays_file=str(settings.holidays_file or ""))
    try:
        yield node
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
