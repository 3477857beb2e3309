"""Private Redis servers and Sentinels for fault tests (the machine's Redis is never stopped).

:func:`redis_binary` finds ``redis-server`` (a Sentinel is ``redis-server CONF --sentinel``);
where it is missing the test skips with a message, except under ``HOTLINE_REQUIRE_SERVICES=1``
(CI), where it fails.  :class:`RedisProcess` is one server on a free port in its own folder;
:meth:`RedisProcess.kill` ends it with SIGKILL (no shutdown, no save), as a crash would.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from tests.support.ports import free_port

__all__ = ["RedisProcess", "redis_binary", "redis_client", "start_redis", "start_sentinel"]


def redis_binary() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if found is None:
        message = (
            "redis-server is not installed (apt-get install redis-server): no private Redis for this test"
        )
        if os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " (HOTLINE_REQUIRE_SERVICES=1: this run must not skip it)")
        pytest.skip(message)
    return found


@dataclass
class RedisProcess:
    port: int
    folder: Path
    proc: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def client(self) -> aioredis.Redis:
        return aioredis.Redis(host="127.0.0.1", port=self.port, decode_responses=True, socket_timeout=2)


async def _started(server: RedisProcess, timeout_s: float = 20.0) -> RedisProcess:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        client = server.client()
        try:
            await client.ping()
            return server
        except (RedisError, OSError):
            if server.proc.poll() is not None or loop.time() > deadline:
                log = (server.folder / "redis.log").read_text(errors="replace")[-2000:]
                raise AssertionError(f"redis on {server.port} did not start: {log}") from None
            await asyncio.sleep(0.05)
        finally:
            await client.aclose()


def _run(folder: Path, config: str, *extra: str) -> subprocess.Popen[bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "redis.conf"
    conf.write_text(config)
    return subprocess.Popen(
        [redis_binary(), str(conf), *extra],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def start_redis(
    folder: Path, *, replica_of: RedisProcess | None = None, port: int | None = None
) -> RedisProcess:
    """A data server (no persistence), a replica of ``replica_of`` if given."""
    port = port or free_port()
    config = (
        f'port {port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir {folder}\nlogfile {folder / "redis.log"}\n'
        "repl-diskless-sync yes\nrepl-diskless-sync-delay 0\n"
    )
    if replica_of is not None:
        config += f"replicaof 127.0.0.1 {replica_of.port}\n"
    return await _started(RedisProcess(port, folder, _run(folder, config)))


async def start_sentinel(
    folder: Path, service: str, primary: RedisProcess, *, down_after_ms: int = 1000
) -> RedisProcess:
    """A Sentinel watching ``primary`` as ``service`` (quorum 1)."""
    port = free_port()
    config = (
        f"port {port}\nbind 127.0.0.1\ndir {folder}\nlogfile {folder / 'redis.log'}\n"
        f"sentinel monitor {service} 127.0.0.1 {primary.port} 1\n"
        f"sentinel down-after-milliseconds {service} {down_after_ms}\n"
        f"sentinel failover-timeout {service} 10000\n"
        f"sentinel parallel-syncs {service} 1\n"
    )
    return await _started(RedisProcess(port, folder, _run(folder, config, "--sentinel")))


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    """A client of the test Redis (``HOTLINE_TEST_REDIS_URL``), decoding replies; skips (fails in
    CI) where that Redis does not answer."""
    from tests.acd.conftest import redis_url, require_redis

    await require_redis()
    client = aioredis.Redis.from_url(redis_url(), decode_responses=True)
    yield client
    await client.aclose()
