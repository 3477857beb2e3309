"""Typed keys of the API's aiohttp application and requests (no string keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from cti.access.auth import Authenticator, Session
    from cti.access.client_address import TrustedProxies
    from cti.api.metrics import ApiMetrics
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

AUTH: web.AppKey[Authenticator] = web.AppKey("auth")
PROXIES: web.AppKey[TrustedProxies] = web.AppKey("trusted proxies")
DESK: web.AppKey[AgentDesk] = web.AppKey("desk")
CALLS: web.AppKey[CallControl] = web.AppKey("calls")
POPS: web.AppKey[ScreenPops] = web.AppKey("pops")
TICKETS: web.AppKey[TicketDesk] = web.AppKey("tickets")
FLOOR: web.AppKey[Floor] = web.AppKey("floor")
QA: web.AppKey[Monitoring] = web.AppKey("qa")
HUB: web.AppKey[Hub] = web.AppKey("hub")
RECORDINGS: web.AppKey[RecordingLibrary] = web.AppKey("recordings")
RECORDING_PAUSE: web.AppKey[RecordingPauseControl] = web.AppKey("recording_pause")
PLAYBACK: web.AppKey[RecordingPlayback] = web.AppKey("playback")
WALLBOARD: web.AppKey[WallboardFeed] = web.AppKey("wallboard")
CAMPAIGNS: web.AppKey[CampaignDesk] = web.AppKey("campaigns")
DIAL_OUT: web.AppKey[DialOut] = web.AppKey("dial_out")
QA_SCORES: web.AppKey[ScoreDesk] = web.AppKey("qa_scores")
QA_SAMPLES: web.AppKey[SampleDesk] = web.AppKey("qa_samples")
CIRCULARS: web.AppKey[CircularDesk] = web.AppKey("circulars")
METRICS: web.AppKey[ApiMetrics] = web.AppKey("metrics")
REGISTRY: web.AppKey[CollectorRegistry] = web.AppKey("registry")
SETTINGS: web.AppKey[ApiSettings] = web.AppKey("settings")
REPORT_LIBRARY: web.AppKey[ReportLibrary] = web.AppKey("report_library")
CUSTOMERS: web.AppKey[CustomerDesk] = web.AppKey("customers")
ORDERS: web.AppKey[OrderDesk] = web.AppKey("orders")
KNOWLEDGE: web.AppKey[KnowledgeDesk] = web.AppKey("knowledge")
HEALTH: web.AppKey[NodeHealth] = web.AppKey("health")
OPENAPI: web.AppKey[dict[str, object]] = web.AppKey("openapi")
DEPARTMENTS: web.AppKey[DepartmentDesk] = web.AppKey("departments")
SUPERVISION: web.AppKey[Supervision] = web.AppKey("supervision")
DIRECTORY: web.AppKey[AgentDirectory] = web.AppKey("directory")

SESSION: web.RequestKey[Session] = web.RequestKey("session")
ROUTE_NAME: web.RequestKey[str] = web.RequestKey("route_name")
