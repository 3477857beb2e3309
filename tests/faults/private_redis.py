"""A private ``redis-server`` on a free port, which a test stops and starts (never the machine's).

The server keeps an append-only file fsynced at every write, so what the ACD stored before a stop
is there after the start, as with a production Redis that restarts.  Without ``redis-server`` the
test skips — or fails under ``HOTLINE_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from tests.support.ports import free_port


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed (apt-get install redis-server)"
            if os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1":
                pytest.fail(message + " (HOTLINE_REQUIRE_SERVICES=1: this run must not skip it)")
            pytest.skip(message)
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        with (self.folder / "redis.log").open("ab") as logfile:
            self.process = await asyncio.create_subprocess_exec(
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.folder),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "always",
                stdout=logfile,
                stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            async with asyncio.timeout(10):
                while True:
                    try:
                        await client.ping()
                        return
                    except (RedisError, OSError):
                        await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        async with asyncio.timeout(10):
            await process.wait()
