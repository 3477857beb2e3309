"""Replaying a capture's requests against the simulator (or any AMI server).

The client side sends the captured bytes at the captured times (divided by ``speed``);
where the capture involved a FastAGI server or other AMI connections, :class:`AgiScript`
and :class:`SideSession` play those parts.

A request is also held back (up to ``max_lag_s`` simulated seconds) until as many messages have
arrived as the captured client had received before sending it (``DeviceStateChange`` aside, as
Asterisk coalesces those): the real Asterisk answered the request in the state those messages
describe, and the simulator, running ``speed`` times faster, lags its own processing time times
``speed`` behind.  (ami_16 asks for QueueStatus a few milliseconds after the agent answered.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from cti.ami.protocol import AmiMessage, AmiParser
from tests.support.captures import Chunk, parse_stream, read_capture

MAX_LAG_S = 0.5


def _counted(messages: Iterable[object]) -> int:
    return sum(1 for m in messages if isinstance(m, AmiMessage) and m.event != "DeviceStateChange")


def _received_before_sends(chunks: list[Chunk]) -> list[int]:
    """For each SEND chunk, how many (counted) messages the captured client had received."""
    out: list[int] = []
    received = bytearray()
    for chunk in chunks:
        if chunk.direction == "RECV":
            received.extend(chunk.data)
        elif chunk.direction == "SEND":
            out.append(_counted(parse_stream(bytes(received))))
    return out


async def _sleep_until(loop: asyncio.AbstractEventLoop, deadline: float) -> None:
    delay = deadline - loop.time()
    if delay > 0:
        await asyncio.sleep(delay)


async def replay_client(
    chunks: list[Chunk],
    host: str,
    port: int,
    *,
    speed: float,
    tail_s: float = 0.6,
    t0: float | None = None,
    max_lag_s: float = MAX_LAG_S,
) -> bytes:
    """Send every SEND chunk at its time; return every byte received until EOF or the end."""
    loop = asyncio.get_running_loop()
    start = loop.time() if t0 is None else t0
    reader, writer = await asyncio.open_connection(host, port)
    received = bytearray()
    parser = AmiParser(expect_banner=True)
    counted = 0
    arrived = asyncio.Event()
    expected = iter(_received_before_sends(chunks))

    async def read_all() -> None:
        nonlocal counted
        while True:
            data = await reader.read(65536)
            if not data:
                arrived.set()
                return
            received.extend(data)
            counted += _counted(parser.feed(data))
            arrived.set()

    async def caught_up(count: int) -> None:
        while counted < count and not reader_task.done():
            arrived.clear()
            await arrived.wait()

    reader_task = asyncio.create_task(read_all())
    try:
        for chunk in chunks:
            if chunk.direction != "SEND":
                continue
            await _sleep_until(loop, start + chunk.t / speed)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(caught_up(next(expected)), max_lag_s / speed)
            if reader_task.done() or writer.is_closing():
                break
            writer.write(chunk.data)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        last = max((c.t for c in chunks), default=0.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.shield(reader_task), max(0.0, start + last / speed - loop.time()) + tail_s
            )
    finally:
        reader_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await reader_task
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return bytes(received)


@dataclass
class AgiScript:
    """A FastAGI server that sends a fixed list of command lines, one per reply.

    ``timed`` commands are sent at their captured offset from the session start (the
    capture's server paused between some of them); untimed ones right after the reply.
    """

    commands: list[tuple[float | None, bytes]]
    speed: float = 1.0
    received: bytearray = field(default_factory=bytearray)
    sessions: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.sessions += 1
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            while True:  # the environment block ends with an empty line
                line = await reader.readline()
                self.received.extend(line)
                if line in (b"\n", b"\r\n", b""):
                    break
            for at, command in self.commands:
                if at is not None:
                    await _sleep_until(loop, start + at / self.speed)
                writer.write(command)
                await writer.drain()
                while True:  # one reply: a line, or a 520- block; HANGUP notices are extra
                    line = await reader.readline()
                    self.received.extend(line)
                    if not line:
                        return
                    if line.startswith(b"HANGUP"):
                        continue
                    if line.startswith(b"520-"):
                        while not line.startswith(b"520 "):
                            line = await reader.readline()
                            self.received.extend(line)
                            if not line:
                                return
                    break
            await asyncio.sleep(0.3 / self.speed)
        except ConnectionError:
            pass
        finally:
            writer.close()


def agi_script_from_capture(name: str) -> list[tuple[float | None, bytes]]:
    """The command lines the capture's FastAGI server sent, with their times."""
    return [(c.t, c.data) for c in read_capture(name) if c.direction == "SEND"]


def agi_script_from_ami(name: str) -> list[tuple[float | None, bytes]]:
    """The command lines seen in a capture's ``AGIExecStart`` events (no timing)."""
    from tests.support.captures import raw

    out: list[tuple[float | None, bytes]] = []
    for msg in parse_stream(raw(name, "recv")):
        if msg.event == "AGIExecStart":
            out.append((None, (msg.get("Command") or "").encode() + b"\n"))
    return out


@dataclass
class SideSession:
    """Another AMI connection that a capture's scenario made (not recorded in it)."""

    at: float
    send: list[bytes]


async def run_side_sessions(sessions: list[SideSession], host: str, port: int, *, speed: float) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    for side in sessions:
        await _sleep_until(loop, start + side.at / speed)
        try:
            reader, writer = await asyncio.open_connection(host, port)
            await reader.readline()
            for data in side.send:
                writer.write(data)
                await writer.drain()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(reader.read(4096), 3.0)
            writer.close()
        except ConnectionError:
            pass
