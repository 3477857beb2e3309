"""Typed keys of the API's aiohttp application and requests (no string keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from cti.api.agent_desk import AgentDesk
    from cti.api.auth import Authenticator, Session
    from cti.api.call_control import CallControl
    from cti.api.floor import Floor
    from cti.api.metrics import ApiMetrics
    from cti.api.monitoring import Monitoring
    from cti.api.notifier import Hub
    from cti.api.recording_library import RecordingLibrary
    from cti.api.screen_pop import ScreenPops
    from cti.api.ticket_desk import TicketDesk
    from cti.api.wallboard import WallboardFeed
    from cti.settings import ApiSettings

AUTH: web.AppKey[Authenticator] = web.AppKey("auth")
DESK: web.AppKey[AgentDesk] = web.AppKey("desk")
CALLS: web.AppKey[CallControl] = web.AppKey("calls")
POPS: web.AppKey[ScreenPops] = web.AppKey("pops")
TICKETS: web.AppKey[TicketDesk] = web.AppKey("tickets")
FLOOR: web.AppKey[Floor] = web.AppKey("floor")
QA: web.AppKey[Monitoring] = web.AppKey("qa")
HUB: web.AppKey[Hub] = web.AppKey("hub")
RECORDINGS: web.AppKey[RecordingLibrary] = web.AppKey("recordings")
WALLBOARD: web.AppKey[WallboardFeed] = web.AppKey("wallboard")
METRICS: web.AppKey[ApiMetrics] = web.AppKey("metrics")
REGISTRY: web.AppKey[CollectorRegistry] = web.AppKey("registry")
SETTINGS: web.AppKey[ApiSettings] = web.AppKey("settings")
OPENAPI: web.AppKey[dict[str, object]] = web.AppKey("openapi")

SESSION: web.RequestKey[Session] = web.RequestKey("session")
ROUTE_NAME: web.RequestKey[str] = web.RequestKey("route_name")
