"""Fixtures: every contract test runs on the in-memory store and on the real Redis.

``backend`` is parametrised ``memory`` / ``redis`` (the latter marked ``redis``).  A backend makes
stores on one shared state: for memory the same object (two services on it act as two nodes in
one process); for Redis a new client connection each time, on one key prefix unique to the test,
deleted afterwards.  Redis is ``HOTLINE_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``);
where it is unreachable the Redis variants are skipped with a message, unless
``HOTLINE_REQUIRE_SERVICES=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from acd.clock import ManualClock
from acd.overflow import RoutingConfig, load_routing
from acd.service import AcdService
from acd.settings import AcdSettings
from acd.store import AcdStore
from acd.store_memory import MemoryStore
from acd.store_redis import RedisStore

from .support import AgentHistory, FakeTelephony

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url() -> str:
    return os.environ.get("HOTLINE_TEST_REDIS_URL", DEFAULT_REDIS_URL)


async def require_redis() -> None:
    client = aioredis.Redis.from_url(redis_url(), socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        message = f"Redis unavailable at {redis_url()}: {type(exc).__name__}: {exc}"
        if os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " (HOTLINE_REQUIRE_SERVICES=1: this run must not skip it)")
        pytest.skip(message)
    finally:
        await client.aclose()


@dataclass
class Backend:
    name: str
    prefix: str = ""
    _memory: MemoryStore | None = None
    _opened: list[AcdStore] = field(default_factory=list)

    async def new_store(self) -> AcdStore:
        """Another handle on the same state (a new connection for Redis)."""
        if self._memory is not None:
            return self._memory
        client = aioredis.Redis.from_url(redis_url(), decode_responses=True)
        store = RedisStore(client, self.prefix)
        self._opened.append(store)
        return store

    async def close(self) -> None:
        if self._opened:
            assert isinstance(self._opened[0], RedisStore)
            await self._opened[0].delete_everything()
        for store in self._opened:
            await store.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        b = Backend("memory", _memory=MemoryStore())
    else:
        await require_redis()
        b = Backend("redis", prefix=f"test-acd-{secrets.token_hex(6)}")
    try:
        yield b
    finally:
        await b.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def telephony() -> FakeTelephony:
    return FakeTelephony()


@pytest.fixture
def history() -> AgentHistory:
    return AgentHistory()


TEST_RULES = Path(__file__).with_name("routing_rules.yaml")


@pytest.fixture
def routing() -> RoutingConfig:
    """Fixed rules for the behaviour tests (the shipped ones are tuned for the demo's staffing)."""
    return load_routing(TEST_RULES)


ServiceFactory = Callable[..., Awaitable[AcdService]]


@pytest.fixture
def make_service(
    backend: Backend,
    clock: ManualClock,
    telephony: FakeTelephony,
    history: AgentHistory,
    routing: RoutingConfig,
) -> ServiceFactory:
    """``await make_service(node_id=..., **settings)``: a started service (a CTI node) on the backend."""

    async def make(
        node_id: str = "node-1",
        *,
        routing_config: RoutingConfig | None = None,
        telephony_port: FakeTelephony | None = None,
        **settings: object,
    ) -> AcdService:
        values: dict[str, object] = {"presence_ttl_s": 60.0, "node_id": node_id}
        values.update(settings)
        service = AcdService(
            store=await backend.new_store(),
            telephony=telephony_port or telephony,
            routing=routing_config or routing,
            settings=AcdSettings.model_validate(values),
            clock=clock,
            listeners=[history],
        )
        await service.start()
        return service

    return make


@pytest.fixture
async def service(make_service: ServiceFactory) -> AcdService:
    return await make_service()
