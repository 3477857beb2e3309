"""Drive the simulator's FastAGI client with recorded command lines and collect its replies."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sim.agi.client import run_fastagi
from tests.sim.agi.captures import Exchange, Recording
from tests.sim.agi.fake_channel import FakeChannel


@dataclass
class Replay:
    environment: bytes = b""
    replies: list[tuple[bytes, bytes, bytes]] = field(default_factory=list)  # (command, expected, got)
    status: str = ""


async def _read_up_to(reader: asyncio.StreamReader, n: int, limit_s: float) -> bytes:
    got = b""
    try:
        async with asyncio.timeout(limit_s):
            while len(got) < n:
                chunk = await reader.read(n - len(got))
                if not chunk:
                    break
                got += chunk
    except TimeoutError:
        pass
    return got


async def replay(
    recording: Recording,
    channel: FakeChannel,
    script: str,
    args: Sequence[str] = (),
    before: Callable[[int, Exchange, FakeChannel], None] | None = None,
    skip: Sequence[int] = (),
) -> Replay:
    """Play the server's side of ``recording`` against ``run_fastagi(channel, ...)``."""
    result = Replay()
    done = asyncio.Event()

    async def server_side(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            result.environment = await asyncio.wait_for(reader.readuntil(b"\n\n"), 5)
            for i, exchange in enumerate(recording.exchanges):
                if i in skip:
                    continue
                if exchange.hangup_before:
                    channel.hang_up_now()
                if exchange.dtmf:
                    channel.press(exchange.dtmf)
                if before is not None:
                    before(i, exchange, channel)
                writer.write(exchange.send)
                await writer.drain()
                got = await _read_up_to(reader, len(exchange.recv), 5.0)
                result.replies.append((exchange.send, exchange.recv, got))
        finally:
            writer.close()
            done.set()

    server = await asyncio.start_server(server_side, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result.status = await asyncio.wait_for(
            run_fastagi(channel, f"agi://127.0.0.1:{port}/{script}", list(args)), 30
        )
        await done.wait()
    finally:
        server.close()
        await server.wait_closed()
    return result


def normalise_environment(env: bytes) -> bytes:
    """Only what differs between runs: thread id, and the port in the URL."""
    env = re.sub(rb"agi_threadid: [0-9]+\n", b"agi_threadid: <threadid>\n", env)
    return re.sub(rb"agi://127\.0\.0\.1:[0-9]+/", b"agi://127.0.0.1:<port>/", env)
