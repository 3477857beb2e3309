"""Serving the API of a node on a TCP port.

* :func:`running_api` — ``async with running_api(node, host, port) as api:`` binds, yields a
  :class:`RunningApi` (``api.port``, ``api.url``), and stops the site and the app's background
  work on the way out.  Port 0 picks a free port.
* :func:`serve_api` — ``await serve_api(node, host, port)`` serves until cancelled (for the
  demo's ``--web PORT``: run it in the demo's task group).
* :func:`api_extension` — the node extension (``cti.app.default_extensions``): binds
  ``[api] host:port`` when ``[api] listen = true`` (``hotline serve``), and does nothing
  otherwise, so nodes in tests and the demo without ``--web`` open no port.  The running API is
  on the node as ``node.api``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web

from cti.api.app import ApiDeps, build_app

__all__ = ["RunningApi", "api_extension", "running_api", "serve_api"]

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
async def running_api(
    node: Any, host: str, port: int, *, deps: ApiDeps | None = None
) -> AsyncIterator[RunningApi]:
    """Serve the API of ``node`` (a :class:`cti.app.CtiNode`; or of ``deps``) on ``host:port``."""
    app = build_app(deps if deps is not None else ApiDeps.of_node(node))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=1024)
        await site.start()
        bound = port
        for address in runner.addresses:  # the port actually bound, when port was 0
            if isinstance(address, tuple) and len(address) >= 2:
                bound = int(address[1])
                break
        api = RunningApi(app, host, bound)
        log.info("api listening", url=api.url)
        if node is not None:
            node.api = api
        yield api
    finally:
        await runner.cleanup()


async def serve_api(node: Any, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``node``'s API and pages on ``host:port`` until cancelled."""
    async with running_api(node, host, port):
        await asyncio.Event().wait()


@contextlib.asynccontextmanager
async def api_extension(node: Any) -> AsyncIterator[None]:
    settings = node.settings.api
    if not settings.listen:
        yield
        return
    async with running_api(node, settings.host, settings.port):
        yield
