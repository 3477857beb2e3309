"""Sign-in throttling and token revocation shared through Redis (issue 17): attempts counted on
one node count on every node using the same Redis, concurrent guesses on two nodes pass no more
than the limit, a success gives its attempt back, and a Redis outage neither locks users out nor
lets guesses through unthrottled; the access client follows a Sentinel like the ACD's."""

from __future__ import annotations

import asyncio
import secrets

import pytest
import redis.asyncio as aioredis
from redis.asyncio.sentinel import SentinelConnectionPool

from acd.redis_link import connect_redis
from acd.settings import AcdSettings, RedisSettings
from cti.access.login_throttle import LoginThrottle, Reservation
from cti.access.revocations import RedisRevocations
from cti.access.shared_throttle import SharedLoginThrottle
from node.settings import Settings
from node.web import shared_access
from tests.acd.conftest import redis_url
from tests.support.ports import free_port

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix() -> str:
    return f"test-throttle-{secrets.token_hex(4)}"


async def test_attempts_on_one_node_count_on_another(redis_client: aioredis.Redis, prefix: str) -> None:
    a, b = SharedLoginThrottle(redis_client, prefix), SharedLoginThrottle(redis_client, prefix)
    limits = {"user:a": 3, "addr:1": 5}
    for node, t in ((a, 0.0), (b, 10.0), (a, 20.0)):
        assert isinstance(await node.reserve(limits, t), Reservation)
    assert await b.reserve(limits, 21.0) == pytest.approx(39.0)  # refused, and counted nothing
    assert isinstance(await a.reserve({"user:b": 3, "addr:1": 5}, 21.0), Reservation)
    assert await a.reserve({"user:c": 3, "addr:1": 5}, 22.0) != pytest.approx(0)  # 5th on the address
    assert await b.reserve({"user:d": 3, "addr:1": 5}, 22.5) == pytest.approx(37.5)  # address full
    assert isinstance(await b.reserve(limits, 60.5), Reservation)  # the first is a minute old
    assert all(ttl > 0 for ttl in [await redis_client.pttl(f"{prefix}:signin:user:a")])


async def test_a_success_gives_its_attempt_back_on_every_node(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    a, b = SharedLoginThrottle(redis_client, prefix), SharedLoginThrottle(redis_client, prefix)
    limits = {"user:a": 2}
    first = await a.reserve(limits, 1.0)
    assert isinstance(first, Reservation)
    await a.release(first)
    for t in (2.0, 3.0):
        assert isinstance(await b.reserve(limits, t), Reservation)
    assert await a.reserve(limits, 4.0) == pytest.approx(58.0)


async def test_concurrent_guesses_on_two_nodes_pass_no_more_than_the_limit(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    clients = [connect_redis(RedisSettings(url=redis_url(), max_connections=20)) for _ in range(2)]
    nodes = [SharedLoginThrottle(c, prefix) for c in clients]  # two nodes, each with its pool
    limits = {"user:victim": 5, "addr:9": 20}
    results = await asyncio.gather(*(nodes[i % 2].reserve(limits, 100.0 + i / 1000) for i in range(300)))
    assert sum(isinstance(r, Reservation) for r in results) == 5
    for c in clients:
        await c.aclose()


async def test_without_redis_attempts_are_counted_on_the_node(prefix: str) -> None:
    down = connect_redis(RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0", failover_s=0.5))
    now = [0.0]
    throttle = SharedLoginThrottle(down, prefix, monotonic=lambda: now[0])
    limits = {"user:a": 2}
    first = await throttle.reserve(limits, 1.0)
    assert isinstance(first, Reservation) and not first.mark
    await throttle.release(first)
    assert isinstance(await throttle.reserve(limits, 2.0), Reservation)
    assert isinstance(await throttle.reserve(limits, 3.0), Reservation)
    assert await throttle.reserve(limits, 4.0) == pytest.approx(58.0)  # still throttled, here
    now[0] = 6.0  # Redis is tried again after a pause: still away
    assert await throttle.reserve(limits, 5.0) == pytest.approx(57.0)
    revocations = RedisRevocations(down, prefix)
    await revocations.revoke("jti-1", 100.0, 1.0)  # kept on this node
    assert await revocations.revoked("jti-1", 2.0)
    assert not await revocations.revoked("jti-2", 2.0)  # not known here: not refused for the outage
    await down.aclose()


async def test_a_node_on_redis_shares_access_through_the_acds_sentinel() -> None:
    redis = RedisSettings(sentinels=["127.0.0.1:26379"], sentinel_service="hotline")
    settings = Settings(acd=AcdSettings(store="redis"), redis=redis)
    revocations, throttle, client = shared_access(settings)
    assert isinstance(revocations, RedisRevocations) and isinstance(throttle, SharedLoginThrottle)
    assert client is not None and isinstance(client.connection_pool, SentinelConnectionPool)
    await client.aclose()
    memory = shared_access(Settings())
    assert isinstance(memory[1], LoginThrottle) and memory[2] is None


async def test_a_redis_outage_does_not_close_the_open_sockets(prefix: str) -> None:
    """The node's sweep over its open WebSockets (revoked_all) goes on without Redis."""
    down = connect_redis(RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0", failover_s=0.2))
    revocations = RedisRevocations(down, prefix)
    await revocations.revoke("jti-gone", 100.0, 1.0)  # signed out here while Redis is away
    assert await revocations.revoked_all(["jti-a", "jti-gone", "jti-b"], 2.0) == [False, True, False]
    await down.aclose()
