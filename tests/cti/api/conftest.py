"""The API under test: the real app on a fresh SQLite database with the demo data (customers,
tickets, agents, users; a copy of the session's, ``tests/support/demo_databases.py``), an
in-memory ACD whose telephony is a recorder, and an AMI client with no PBX behind it (tests that
need a PBX use :mod:`tests.cti.api.pbx`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.clock import ManualClock
from acd.overflow import load_routing
from acd.service import AcdService
from acd.settings import AcdSettings, RedisSettings
from acd.store_memory import MemoryStore
from cti.acd_bridge.link import AcdLink
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from cti.api.settings import ApiSettings
from demo.agents import DEMO_AGENTS
from ivr.settings import IvrSettings
from node.settings import Settings
from node.web import ApiDeps, build_app
from recordings.settings import RecordingSettings
from storage.db import create_engine_from_settings, session_factory
from storage.settings import StorageSettings
from storage.users import DEMO_PASSWORD
from tests.acd.support import FakeTelephony
from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401
from tests.support.demo_databases import demo_sqlite_file

TODAY = date(2024, 6, 10)


@dataclass
class Clock:
    """Wall-clock time plus an offset a test can move (token expiry)."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class ApiEnv:
    client: TestClient[Any, Any]
    acd: AcdService
    acd_clock: ManualClock  # the ACD's time: advance it and tick() to reach overflow steps
    telephony: FakeTelephony
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    registry: CollectorRegistry
    tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, username: str) -> str:
        if username not in self.tokens:
            r = await self.client.post("/api/session", json={"username": username, "password": DEMO_PASSWORD})
            assert r.status == 200, await r.text()
            self.tokens[username] = (await r.json())["token"]
        return self.tokens[username]

    async def call(
        self, method: str, path: str, user: str | None = None, body: Any = None, *, token: str | None = None
    ) -> tuple[int, Any]:
        headers = {}
        if user is not None or token is not None:
            headers["Authorization"] = f"Bearer {token or await self.token(user or '')}"
        r = await self.client.request(method, path, json=body, headers=headers)
        data = await r.json() if r.content_type == "application/json" else await r.text()
        return r.status, data


async def make_env(
    tmp_path: Path,
    *,
    ami: AmiClient | None = None,
    api: ApiSettings | None = None,
    redis: RedisSettings | None = None,
) -> AsyncIterator[ApiEnv]:
    """``redis``: the node keeps its ACD in Redis (only its shared parts use it here: revocations)."""
    storage = StorageSettings(url=await demo_sqlite_file(tmp_path / "api.sqlite3", TODAY))
    engine = create_engine_from_settings(storage)
    sessions = session_factory(engine)
    telephony = FakeTelephony()
    acd_settings = AcdSettings(wrapup_s=30.0, ring_timeout_s=15.0)
    acd_clock = ManualClock(time.time())
    acd = AcdService(
        store=MemoryStore(),
        telephony=telephony,
        routing=load_routing(),
        settings=acd_settings,
        clock=acd_clock,
    )
    for demo in DEMO_AGENTS:
        await acd.register_agent(demo.to_agent())
    await acd.start()
    settings = Settings(
        **({"api": api} if api is not None else {}),
        **({"redis": redis} if redis is not None else {}),
        storage=storage,
        acd=acd_settings if redis is None else acd_settings.model_copy(update={"store": "redis"}),
        recordings=RecordingSettings(directory=tmp_path / "recordings"),
        ivr=IvrSettings(prompts_dir=tmp_path / "prompts"),
    )
    client_ami = ami or AmiClient(AmiSettings(port=9))  # never started: no PBX
    clock = Clock()
    registry = CollectorRegistry()
    app = build_app(ApiDeps(settings, sessions, client_ami, AcdLink(acd, sessions=sessions), registry, clock))
    try:
        server = TestServer(app)
        client: TestClient[Any, Any] = TestClient(server)
        async with client:
            yield ApiEnv(client, acd, acd_clock, telephony, sessions, clock, registry)
    finally:
        await engine.dispose()


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiEnv]:
    async for env in make_env(tmp_path):
        yield env
