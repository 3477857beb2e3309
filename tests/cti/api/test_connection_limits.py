"""Security finding 3 and the smaller ones of finding 7 on the real HTTP server
(:func:`cti.api.server.running_api`): connections that never finish their headers are closed,
one address holds a bounded number of connections, the descriptor limit is raised; /metrics is
not for anyone; pages' 404s carry the security headers; the page policy connects to itself only."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client import CollectorRegistry

from cti.acd_bridge.link import AcdLink
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from cti.api.server import RunningApi, running_api
from cti.api.settings import ApiSettings
from node.settings import Settings
from node.web import ApiDeps, build_app
from storage.db import create_engine_from_settings, create_schema, session_factory
from storage.settings import StorageSettings

from .conftest import ApiEnv


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[RunningApi]:
    storage = StorageSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'limits.sqlite3'}")
    engine = create_engine_from_settings(storage)
    await create_schema(engine)
    sessions = session_factory(engine)
    api = ApiSettings(header_timeout_s=0.5, max_connections_per_address=50, metrics_token="scrape-me-0123")
    settings = Settings(storage=storage, api=api)
    app = build_app(
        ApiDeps(
            settings,
            sessions,
            AmiClient(AmiSettings(port=9)),
            AcdLink.of(None, sessions),
            CollectorRegistry(),
        )
    )
    try:
        async with running_api(app, "127.0.0.1", 0) as running:
            yield running
    finally:
        await engine.dispose()


async def _hold(port: int, partial: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(partial)
    await writer.drain()
    return reader, writer


async def test_connections_without_complete_headers_are_closed(served: RunningApi) -> None:
    held = [await _hold(served.port, b"GET /agent HTTP/1.1\r\nHost: x\r\n") for _ in range(20)]
    started = time.monotonic()
    closed = await asyncio.gather(*(asyncio.wait_for(r.read(), 10) for r, _ in held))
    assert all(c == b"" for c in closed)  # closed by the server, nothing answered
    assert time.monotonic() - started < 5
    for _, w in held:
        w.close()
    async with aiohttp.ClientSession() as http, http.get(f"{served.url}/agent") as r:
        assert r.status == 200  # and the server still serves


async def test_one_address_holds_a_bounded_number_of_connections(served: RunningApi) -> None:
    held = [await _hold(served.port, b"G") for _ in range(80)]
    await asyncio.sleep(0.2)
    refused = 0
    for reader, _ in held[50:]:
        try:
            refused += await asyncio.wait_for(reader.read(), 0.3) == b""
        except (TimeoutError, ConnectionResetError):
            refused += 1
    assert refused == 30
    for _, w in held:
        w.close()


def test_the_descriptor_limit_is_raised_to_the_hard_limit(served: RunningApi) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft == hard or hard == resource.RLIM_INFINITY


async def test_metrics_need_the_token(served: RunningApi) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{served.url}/metrics") as r:
            assert r.status == 404
        async with http.get(f"{served.url}/metrics", headers={"Authorization": "Bearer wrong"}) as r:
            assert r.status == 404
        headers = {"Authorization": "Bearer scrape-me-0123"}
        async with http.get(f"{served.url}/metrics", headers=headers) as r:
            assert r.status == 200 and "hotline_api_logins_total" in await r.text()


async def test_pages_404s_carry_the_security_headers_and_the_policy_connects_to_self(api: ApiEnv) -> None:
    r = await api.client.get("/static/nothing-here.js")
    assert r.status == 404
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in r.headers
    r = await api.client.get("/agent")
    policy = r.headers["Content-Security-Policy"]
    assert "connect-src 'self';" in policy and "ws:" not in policy and "wss:" not in policy
