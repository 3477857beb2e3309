"""What anyone may fetch: the pages (agent, wallboard, QA, floor) and their static files, the
OpenAPI document, the Prometheus metrics and the WebSocket (which authenticates with its first
message).

The pages are static HTML shells with a small script each (``pages/``): they sign in with the
API, then render from the API and the WebSocket.  Labels are in Chinese and English.  What the
pages share (the sign-in form) is in ``pages/parts/`` and put in by ``<!--#include NAME-->``.
"""

from __future__ import annotations

import functools
import hmac
import re
from ipaddress import ip_address
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from cti.api.keys import OPENAPI, REGISTRY, SETTINGS
from cti.api.routes import PublicRoute, json_response
from cti.api.websocket import websocket

__all__ = ["PAGES_DIR", "PUBLIC_ROUTES"]

PAGES_DIR = Path(__file__).resolve().parent / "pages"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}
_VENDOR_TYPES = {".js": "text/javascript", ".txt": "text/plain"}


_INCLUDE = re.compile(r"<!--#include ([\w.-]+)-->\n?")


@functools.cache
def render_page(name: str) -> str:
    """The page's HTML with its ``<!--#include NAME-->`` lines replaced by ``pages/parts/NAME``."""
    text = (PAGES_DIR / f"{name}.html").read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: (PAGES_DIR / "parts" / m.group(1)).read_text(encoding="utf-8"), text)


def _page(name: str) -> PublicRoute:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(text=render_page(name), content_type="text/html", charset="utf-8")

    return PublicRoute(
        "GET", f"/{name}", f"page.{name}", handler, f"The {name} page", "pages", in_document=False
    )


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/agent")


def _file_name(request: web.Request) -> str:
    """The ``{name}`` of a static file: printable, no NUL (``Path.resolve`` raises on one)."""
    name = request.match_info["name"]
    if not name.isprintable() or len(name) > 128:
        raise web.HTTPNotFound()
    return name


async def static(request: web.Request) -> web.StreamResponse:
    name = _file_name(request)
    path = (PAGES_DIR / "static" / name).resolve()
    if path.parent != (PAGES_DIR / "static").resolve() or not path.is_file() or path.suffix not in _TYPES:
        raise web.HTTPNotFound()
    return web.FileResponse(
        path, headers={"Content-Type": f"{_TYPES[path.suffix]}; charset=utf-8", "Cache-Control": "no-cache"}
    )


async def vendor(request: web.Request) -> web.StreamResponse:
    """Third-party browser libraries shipped with the node (``static/vendor/``: Apache ECharts and
    its licence), so the pages work without internet access."""
    name = _file_name(request)
    folder = (PAGES_DIR / "static" / "vendor").resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file() or path.suffix not in _VENDOR_TYPES:
        raise web.HTTPNotFound()
    return web.FileResponse(
        path,
        headers={
            "Content-Type": f"{_VENDOR_TYPES[path.suffix]}; charset=utf-8",
            "Cache-Control": "max-age=86400",
        },
    )


async def openapi(request: web.Request) -> web.StreamResponse:
    return json_response(request.app[OPENAPI])


def _may_scrape(request: web.Request) -> bool:
    """Behind ``[api] metrics_token`` when one is set, else for this host's own clients only."""
    token = request.app[SETTINGS].metrics_token
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))
    try:
        return ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


async def metrics(request: web.Request) -> web.StreamResponse:
    if not _may_scrape(request):
        raise web.HTTPNotFound()  # as if there were none (security finding 7)
    return web.Response(
        body=generate_latest(request.app[REGISTRY]), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


PUBLIC_ROUTES = [
    PublicRoute("GET", "/", "page.index", index, "To the agent page", "pages", in_document=False),
    _page("agent"),
    _page("wallboard"),
    _page("qa"),
    _page("floor"),
    _page("reports"),
    _page("knowledge"),
    PublicRoute(
        "GET",
        "/static/{name}",
        "page.static",
        static,
        "Scripts and styles of the pages",
        "pages",
        in_document=False,
    ),
    PublicRoute(
        "GET",
        "/static/vendor/{name}",
        "page.vendor",
        vendor,
        "Third-party libraries of the pages (Apache ECharts)",
        "pages",
        in_document=False,
    ),
    PublicRoute("GET", "/api/openapi.json", "openapi", openapi, "This document", "meta"),
    PublicRoute("GET", "/metrics", "metrics", metrics, "Prometheus metrics of the node", "meta"),
    PublicRoute(
        "GET", "/api/ws", "websocket", websocket, "WebSocket feed; first message {type: auth, token}", "meta"
    ),
]
