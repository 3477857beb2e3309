"""Serving an application on a TCP port.

* :func:`running_api` — ``async with running_api(app, host, port) as api:`` binds, yields a
  :class:`RunningApi` (``api.port``, ``api.url``), and stops the site and the app's background
  work on the way out.  Port 0 picks a free port.
* :func:`serve_api` — ``await serve_api(app, host, port)`` serves until cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from aiohttp import web

from cti.api.connection_guard import ConnectionGuard, raise_descriptor_limit
from cti.api.keys import METRICS, PROXIES, SETTINGS

__all__ = ["RunningApi", "running_api", "serve_api"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RunningApi:
    app: web.Application
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextlib.asynccontextmanager
async def running_api(app: web.Application, host: str, port: int) -> AsyncIterator[RunningApi]:
    """Serve ``app`` on ``host:port`` until the block ends, within the limits of its
    :class:`~cti.api.settings.ApiSettings` (:mod:`cti.api.connection_guard`)."""
    settings = app[SETTINGS]
    files = raise_descriptor_limit()
    runner = web.AppRunner(
        app, access_log=None, shutdown_timeout=2.0, keepalive_timeout=settings.keepalive_timeout_s
    )
    await runner.setup()
    server: asyncio.Server | None = None
    try:
        if runner.server is None:
            raise RuntimeError("the application runner has no server")
        guard = ConnectionGuard(
            runner.server,
            header_timeout_s=settings.header_timeout_s,
            max_per_address=settings.max_connections_per_address,
            exempt=app[PROXIES],
            refused=app[METRICS].connections_refused,
        )
        loop = asyncio.get_running_loop()
        server = await loop.create_server(guard, host, port, backlog=1024, reuse_address=True)
        bound = int(server.sockets[0].getsockname()[1]) if server.sockets else port
        api = RunningApi(app, host, bound)
        log.info("api listening", url=api.url, open_files=files)
        yield api
    finally:
        if server is not None:
            server.close()
        await runner.cleanup()
        if server is not None:
            await server.wait_closed()


async def serve_api(app: web.Application, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``app`` on ``host:port`` until cancelled."""
    async with running_api(app, host, port):
        await asyncio.Event().wait()
