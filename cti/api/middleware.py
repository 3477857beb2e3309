"""Around every request: errors as JSON with their ``error_id``, metrics, an access log line with
ids only, and the security headers of the pages."""

from __future__ import annotations

import asyncio
import time

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from cti.api.keys import METRICS, ROUTE_NAME, SESSION
from cti.api.routes import json_response
from cti.errors import ApiError, NotFound, RateLimited, translate

__all__ = ["middlewares"]

log = structlog.get_logger(__name__)

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


CLIENT_CLOSED = 499  # as nginx logs a request whose client closed the connection before the answer


@web.middleware
async def handle_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except asyncio.CancelledError:  # the client went away (or the node stops): not a server error
        status = CLIENT_CLOSED
        raise
    except web.HTTPException as exc:
        status = exc.status
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        error = NotFound("no such route") if exc.status == 404 else ApiError(exc.reason)
        error.status = exc.status
        if exc.status == 405:
            error.error_id = "method-not-allowed"
        return json_response(error.body(), status=exc.status)
    except Exception as exc:
        translated = translate(exc)
        if translated is None:
            log.exception("api request failed", route=request.get(ROUTE_NAME, "?"))
        error = translated if translated is not None else ApiError("internal error")
        status = error.status
        response = json_response(error.body(), status=error.status)
        if isinstance(error, RateLimited):
            response.headers["Retry-After"] = str(error.details.get("retry_after_s", 60))
        return response
    finally:
        route = request.get(ROUTE_NAME, "unmatched")
        elapsed = time.perf_counter() - started
        metrics = request.app[METRICS]
        metrics.requests.labels(route, request.method, str(status)).inc()
        metrics.latency.labels(route).observe(elapsed)
        session = request.get(SESSION)
        log.info(
            "api request",
            route=route,
            method=request.method,
            status=status,
            user_id=session.principal.user_id if session is not None else None,
            ms=round(elapsed * 1000, 2),
        )


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a page's 404, a redirect: the same headers (finding 7)
        response = web.Response(status=exc.status, reason=exc.reason, text=exc.text, headers=exc.headers)
    if response.prepared:  # a WebSocket: its headers are gone already
        return response
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
    else:
        headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    return response


def middlewares() -> list[Middleware]:
    return [security_headers, handle_errors]
