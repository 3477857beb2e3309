"""``GET /health``: up (200) or which dependency is down (503), for load balancers and operators."""

from __future__ import annotations

from aiohttp import web

from cti.api.keys import HEALTH
from cti.api.routes import PublicRoute, json_response

__all__ = ["PUBLIC_ROUTES"]


async def health(request: web.Request) -> web.StreamResponse:
    report = await request.app[HEALTH].check()
    return json_response(report.as_json(), status=200 if report.up else 503)


PUBLIC_ROUTES = [
    PublicRoute(
        "GET",
        "/health",
        "health",
        health,
        "Whether this node and what it depends on (AMI, database, Redis) are up; 503 names what is down",
        "operations",
    ),
]
