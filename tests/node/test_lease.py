"""The lease per Asterisk server (node/lease.py) on the test Redis: one holder at a time, a
waiting node takes a dead holder's lease once it expires, a holder that finds another's name on
its lease gives it up at once, a clean stop hands the lease over without waiting."""

from __future__ import annotations

import asyncio
import secrets
import signal
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from structlog.testing import capture_logs

from node.lease import ServerLease
from tests.acd.conftest import redis_url, require_redis
from tests.support.redis_servers import start_redis

pytestmark = pytest.mark.redis

TTL_S = 0.6


def lease(client: aioredis.Redis, key: str, holder: str) -> ServerLease:
    return ServerLease(client, key, holder, ttl_s=TTL_S, poll_s=0.05)


async def test_a_waiting_node_takes_an_expired_lease(redis_client: aioredis.Redis) -> None:
    key = f"test-lease-{secrets.token_hex(4)}"
    first, second = lease(redis_client, key, "a"), lease(redis_client, key, "b")
    await asyncio.wait_for(first.acquire(), 2)
    keeping = asyncio.create_task(first.keep())
    waiting = asyncio.create_task(second.acquire())
    await asyncio.sleep(TTL_S * 3)  # renewed all along: the second still waits
    assert not waiting.done() and await redis_client.get(key) == "a"
    loop = asyncio.get_running_loop()
    keeping.cancel()  # the first dies: no renewal, no release
    died = loop.time()
    await asyncio.wait_for(waiting, 5)
    taken_after = loop.time() - died
    assert await redis_client.get(key) == "b"
    assert taken_after <= TTL_S + 0.5
    await redis_client.delete(key)


async def test_a_holder_that_finds_another_name_stops_at_once(redis_client: aioredis.Redis) -> None:
    key = f"test-lease-{secrets.token_hex(4)}"
    first = lease(redis_client, key, "a")
    await first.acquire()
    keeping = asyncio.create_task(first.keep())
    await redis_client.set(key, "b", px=5000)  # taken meanwhile (e.g. lost in a Redis failover)
    await asyncio.wait_for(keeping, TTL_S)  # keep() returns: stop serving
    await first.release()  # not ours any more: left alone
    assert await redis_client.get(key) == "b"
    await redis_client.delete(key)


async def test_a_clean_stop_hands_the_lease_over_at_once(redis_client: aioredis.Redis) -> None:
    key = f"test-lease-{secrets.token_hex(4)}"
    first = lease(redis_client, key, "a")
    second = ServerLease(redis_client, key, "b", ttl_s=60.0, poll_s=0.05)
    await first.acquire()
    waiting = asyncio.create_task(second.acquire())
    await asyncio.sleep(0.1)
    await first.release()
    await asyncio.wait_for(waiting, 1)
    assert await redis_client.get(key) == "b"
    await redis_client.delete(key)


async def test_a_holder_cut_off_from_redis_gives_up_before_the_lease_expires() -> None:
    """Renewals fail (Redis unreachable): keep() returns within 2/3 of the lease, before anyone
    else may take it."""
    await require_redis()
    good = aioredis.Redis.from_url(redis_url(), decode_responses=True)
    key = f"test-lease-{secrets.token_hex(4)}"
    try:
        await lease(good, key, "a").acquire()
        cut_off = aioredis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.05)  # nothing there
        loop = asyncio.get_running_loop()
        began = loop.time()
        await asyncio.wait_for(lease(cut_off, key, "a").keep(), 5)
        assert loop.time() - began < TTL_S * 2 / 3 + TTL_S / 3 + 0.3
        await cut_off.aclose()
    finally:
        await good.delete(key)
        await good.aclose()


async def test_the_lease_is_taken_and_renewed_on_the_replicas(tmp_path: Path) -> None:
    """With ``wait_replicas`` the lease is on the replica when acquire() returns (a promoted
    replica knows the holder); a replica that does not answer in time is waited for up to
    ``wait_timeout_ms``, then logged, and the lease stands on the primary."""
    primary = await start_redis(tmp_path / "primary")
    replica = await start_redis(tmp_path / "replica", replica_of=primary)
    client, on_replica = primary.client(), replica.client()
    try:
        await until_replicating(client)
        held = ServerLease(  # a replica that answers, however slowly on a loaded machine
            client, "lease:a", "a", ttl_s=TTL_S, poll_s=0.05, wait_replicas=1, wait_timeout_ms=5000
        )
        await asyncio.wait_for(held.acquire(), 5)
        assert await on_replica.get("lease:a") == "a"
        replica.proc.send_signal(signal.SIGSTOP)  # the replica stops answering
        try:
            slow = ServerLease(
                client, "lease:b", "b", ttl_s=TTL_S, poll_s=0.05, wait_replicas=1, wait_timeout_ms=300
            )
            loop = asyncio.get_running_loop()
            began = loop.time()
            with capture_logs() as logs:
                await asyncio.wait_for(slow.acquire(), 5)
            assert loop.time() - began >= 0.3  # WAITed for the replica
            assert any(e["event"] == "lease not yet on replicas" for e in logs)
            assert await client.get("lease:b") == "b"
        finally:
            replica.proc.send_signal(signal.SIGCONT)
    finally:
        await client.aclose()
        await on_replica.aclose()
        replica.kill()
        primary.kill()


async def until_replicating(client: aioredis.Redis) -> None:
    """Until the primary sees its replica online."""
    async with asyncio.timeout(20):
        while True:
            info = await client.info("replication")
            if info.get("connected_slaves", 0) >= 1 and info.get("slave0", {}).get("state") == "online":
                return
            await asyncio.sleep(0.05)
