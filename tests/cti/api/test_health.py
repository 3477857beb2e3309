"""``GET /health``: 200 when the AMI session, the database and Redis answer; 503 naming what is down
(and while the node drains)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.settings import AcdSettings, RedisSettings
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from cti.api.http_health import health
from cti.api.keys import HEALTH
from cti.desk.health import NodeHealth
from node.settings import Settings
from node.web import node_health
from storage.db import create_engine_from_settings, session_factory
from storage.settings import StorageSettings
from tests.cti.api.conftest import ApiEnv
from tests.support.ports import free_port

REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def up() -> str | None:
    return None


async def _get(node: NodeHealth) -> tuple[int, Any]:
    app = web.Application()
    app[HEALTH] = node
    app.router.add_get("/health", health)
    async with TestClient(TestServer(app)) as client:
        r = await client.get("/health")
        return r.status, await r.json()


async def test_all_up_is_200() -> None:
    status, body = await _get(NodeHealth({"ami": up, "database": up, "redis": up}))
    assert status == 200 and body["status"] == "up" and body["down"] == []
    assert set(body["dependencies"]) == {"ami", "database", "redis"}


async def test_a_failing_a_refusing_and_a_silent_dependency_are_each_named() -> None:
    async def refuses() -> str | None:
        raise ConnectionRefusedError("Connect call failed ('127.0.0.1', 6379)")

    async def silent() -> str | None:
        await asyncio.sleep(30)
        return None

    async def says() -> str | None:
        return "no AMI session"

    node = NodeHealth({"ami": says, "database": silent, "redis": refuses}, timeout_s=0.2)
    status, body = await _get(node)
    assert status == 503 and body["status"] == "down" and body["down"] == ["ami", "database", "redis"]
    deps = body["dependencies"]
    assert deps["ami"]["detail"] == "no AMI session"
    assert deps["database"]["detail"] == "no answer within 0.2 s"
    assert deps["redis"]["detail"].startswith("ConnectionRefusedError: Connect call failed")


async def test_a_draining_node_is_503_even_when_everything_answers() -> None:
    node = NodeHealth({"ami": up})
    node.drain()
    status, body = await _get(node)
    assert (status, body["status"], body["down"]) == (503, "draining", [])


async def test_the_api_says_the_ami_is_down_and_the_database_up(api: ApiEnv) -> None:
    status, body = await api.call("GET", "/health")  # no sign-in needed
    assert status == 503 and body["down"] == ["ami"]
    assert body["dependencies"]["database"]["up"] is True
    assert "no AMI session with 127.0.0.1:9" in body["dependencies"]["ami"]["detail"]


async def _probe(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    report = await node_health(settings, AmiClient(settings.ami), sessions).check()
    return report.as_json()


async def test_the_node_probes_the_database_and_redis_it_is_given(tmp_path: Path) -> None:
    good_db = StorageSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'h.sqlite3'}")
    bad_db = StorageSettings(url=f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/none")
    redis_down = RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0")
    for storage, redis, down in (
        (good_db, RedisSettings(url=REDIS_URL), ["ami"]),
        (bad_db, redis_down, ["ami", "database", "redis"]),
    ):
        settings = Settings(
            storage=storage, redis=redis, acd=AcdSettings(store="redis"), ami=AmiSettings(port=free_port())
        )
        engine = create_engine_from_settings(storage)
        try:
            found = await _probe(settings, session_factory(engine))
        finally:
            await engine.dispose()
        assert found["down"] == down, found
    memory = Settings(storage=good_db, acd=AcdSettings(store="memory"))
    engine = create_engine_from_settings(good_db)
    try:
        assert "redis" not in (await _probe(memory, session_factory(engine)))["dependencies"]
    finally:
        await engine.dispose()
