"""The simulator's AMI server survives bad input: the session and the calls stay intact."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cti.ami.protocol import AmiMessage, AmiParser
from sim.ami.server import AmiUser
from sim.main import Simulator, SimulatorConfig
from tests.support.sim_process import SAMPLE_DIALPLAN


async def _login(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, AmiParser]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    parser = AmiParser(expect_banner=True)
    writer.write(b"Action: Login\r\nUsername: u\r\nSecret: s\r\nEvents: off\r\n\r\n")
    await _next(reader, parser, lambda m: m.response == "Success")
    return reader, writer, parser


async def _next(reader: asyncio.StreamReader, parser: AmiParser, match: object) -> AmiMessage:
    pending: list[AmiMessage] = []
    async with asyncio.timeout(5):
        while True:
            for m in pending:
                if match(m):  # type: ignore[operator]
                    return m
            pending = [i for i in parser.feed(await reader.read(65536)) if isinstance(i, AmiMessage)]


def _config(tmp_path: Path) -> SimulatorConfig:
    return SimulatorConfig(
        dialplan=SAMPLE_DIALPLAN, ami_port=0, users=[AmiUser.build("u", "s")], spool_dir=tmp_path, speed=2.0
    )


async def test_junk_and_oversized_input_are_survived_and_the_call_goes_on(tmp_path: Path) -> None:
    async with Simulator(_config(tmp_path)) as sim:
        reader, writer, parser = await _login(sim.ami_port)
        writer.write(b"Action: Originate\r\nChannel: Local/100@test\r\nApplication: Wait\r\nData: 20\r\n")
        writer.write(b"Async: true\r\nActionID: o1\r\n\r\n")
        await _next(reader, parser, lambda m: m.action_id == "o1")
        await asyncio.sleep(0.3)
        assert len(sim.pbx.channels) == 2
        # lines without a colon, binary junk, an action without "Action", an oversized message
        writer.write(b"this is not AMI\r\n\xff\xfe\x00garbage\r\n\r\n")
        writer.write(b"Foo: bar\r\nActionID: j1\r\n\r\n")
        writer.write(b"Action: Ping\r\nX: " + b"y" * 300_000 + b"\r\nActionID: big\r\n\r\n")
        writer.write(b"Action: Ping\r\nActionID: after\r\n\r\n")
        missing = await _next(reader, parser, lambda m: m.action_id == "j1")
        assert missing.get("Message") == "Missing action in request"
        pong = await _next(reader, parser, lambda m: m.action_id == "after")
        assert pong.get("Ping") == "Pong"
        assert len(sim.pbx.channels) == 2  # the call was not touched
        writer.close()


async def test_a_peer_that_vanishes_mid_message_leaves_the_others_working(tmp_path: Path) -> None:
    async with Simulator(_config(tmp_path)) as sim:
        reader, writer, parser = await _login(sim.ami_port)
        writer.write(b"Action: Originate\r\nChannel: Local/100@test\r\nApplication: Wait\r\nData: 20\r\n")
        writer.write(b"Async: true\r\nActionID: o1\r\n\r\n")
        await _next(reader, parser, lambda m: m.action_id == "o1")
        writer.write(b"Action: Hangup\r\nChannel: Local/100@te")  # ... and the connection drops
        writer.transport.abort()
        await asyncio.sleep(0.3)
        assert len(sim.pbx.channels) == 2
        r2, w2, p2 = await _login(sim.ami_port)
        w2.write(b"Action: CoreShowChannels\r\nActionID: c\r\n\r\n")
        done = await _next(r2, p2, lambda m: m.event == "CoreShowChannelsComplete")
        assert done.get("ListItems") == "2"
        assert len(sim.ami.sessions) == 1
        w2.close()


async def test_bad_logins_and_permissions(tmp_path: Path) -> None:
    config = _config(tmp_path)
    config.users = [AmiUser.build("u", "s"), AmiUser.build("reader", "r", read="all", write="system")]
    async with Simulator(config) as sim:
        reader, writer = await asyncio.open_connection("127.0.0.1", sim.ami_port)
        parser = AmiParser(expect_banner=True)
        writer.write(
            b"Action: Originate\r\nChannel: Local/100@test\r\nApplication: Wait\r\nActionID: a\r\n\r\n"
        )
        denied = await _next(reader, parser, lambda m: m.action_id == "a")
        assert denied.get("Message") == "Permission denied"
        writer.write(b"Action: Login\r\nUsername: reader\r\nSecret: r\r\nEvents: off\r\n\r\n")
        await _next(reader, parser, lambda m: m.get("Message") == "Authentication accepted")
        writer.write(
            b"Action: Originate\r\nChannel: Local/100@test\r\nApplication: Wait\r\nActionID: b\r\n\r\n"
        )
        no_write = await _next(reader, parser, lambda m: m.action_id == "b")
        assert (no_write.response, no_write.get("Message")) == ("Error", "Permission denied")
        assert sim.pbx.channels == {}
        writer.close()
