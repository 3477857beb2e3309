"""FastAgiServer with the simulator's AGI client (and raw sockets) as Asterisk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping

import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from cti.agi.errors import AgiHangup
from cti.agi.server import FastAgiServer, Handler
from cti.agi.session import AgiSession, AgiTimeouts, Digits, Playback
from sim.agi.client import run_fastagi
from tests.sim.agi.captures import capture
from tests.sim.agi.fake_channel import FakeChannel

ENV_01 = capture("agi_01_fastagi_session").environment


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


async def serving(routes: Mapping[str, Handler], registry: CollectorRegistry, **kw: object) -> FastAgiServer:
    server = FastAgiServer(routes, host="127.0.0.1", port=0, registry=registry, **kw)  # type: ignore[arg-type]
    await server.start()
    return server


@pytest.fixture
async def stoppers() -> AsyncIterator[list[FastAgiServer]]:
    servers: list[FastAgiServer] = []
    yield servers
    for s in servers:
        await s.stop(drain_timeout_s=0.1)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(2):
        while not condition():  # noqa: ASYNC110 - polling a plain counter
            await asyncio.sleep(0.01)


def sessions(registry: CollectorRegistry, script: str, outcome: str) -> float:
    return (
        registry.get_sample_value("hotline_agi_sessions_total", {"script": script, "outcome": outcome}) or 0.0
    )


async def test_ivr_round_trip_through_the_simulated_asterisk(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    seen: dict[str, object] = {}
    channel = FakeChannel(state=4)

    async def menu(agi: AgiSession) -> None:
        seen["query"] = dict(agi.env.query)
        seen["args"] = agi.env.args
        await agi.answer()
        seen["beep"] = await agi.stream_file("beep")
        channel.press("1234")  # the caller keys in while the GET DATA prompt plays
        seen["data"] = await agi.get_data("beep", 2000, 3)
        seen["digit"] = await agi.wait_for_digit(1000)
        await agi.set_variable("IVR_CHOICE", str(seen["data"]))
        await agi.hangup()

    server = await serving({"menu": menu}, registry)
    stoppers.append(server)
    status = await run_fastagi(channel, f"agi://127.0.0.1:{server.port}/menu?lang=zh", ["a b", "c"])
    assert status == "HANGUP"  # the AGI hung up its own channel (as in ami_20)
    assert seen["query"] == {"lang": "zh"} and seen["args"] == ("a b", "c")
    assert seen["beep"] == Playback(None, 2000)
    assert seen["data"] == Digits("123", False) and seen["digit"] == "4"
    assert channel.state == 6 and channel.hungup
    assert channel.variables["IVR_CHOICE"] == "Digits(value='123', timed_out=False)"
    await asyncio.sleep(0.05)  # the server logs and counts after the client has gone
    assert sessions(registry, "menu", "hangup") == 1  # ended with the channel gone
    assert (
        registry.get_sample_value("hotline_agi_commands_total", {"command": "GET DATA", "outcome": "ok"}) == 1
    )


async def test_caller_hangup_reaches_the_handler_which_can_still_save_state(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    ended = asyncio.Event()

    async def survey(agi: AgiSession) -> None:
        await agi.answer()
        try:
            await agi.wait_for_digit(10000)
        except AgiHangup:
            assert agi.hungup
            await agi.set_variable("SURVEY_RESULT", "abandoned")  # still answered when dead
            assert await agi.get_variable("SURVEY_RESULT") == "abandoned"
            with pytest.raises(AgiHangup):
                await agi.stream_file("beep")
            ended.set()

    server = await serving({"survey": survey}, registry)
    stoppers.append(server)
    channel = FakeChannel()
    channel.hang_up_on_next_wait = True
    status = await run_fastagi(channel, f"agi://127.0.0.1:{server.port}/survey", [])
    assert status == "HANGUP" and ended.is_set()
    assert channel.variables["SURVEY_RESULT"] == "abandoned"
    await asyncio.sleep(0.05)
    assert sessions(registry, "survey", "hangup") == 1


async def test_unknown_script_fails_the_agi_so_the_dialplan_can_fall_back(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    async def menu(agi: AgiSession) -> None:
        raise AssertionError("not this one")

    server = await serving({"menu": menu}, registry)
    stoppers.append(server)
    channel = FakeChannel()
    assert await run_fastagi(channel, f"agi://127.0.0.1:{server.port}/nosuch?x=1", []) == "FAILURE"
    commands = [e["command"] for e in channel.agi_events if e["start"]]
    assert commands == ["VERBOSE \"hotline: no AGI script named 'nosuch'\" 1"]
    await asyncio.sleep(0.05)
    assert sessions(registry, "unknown", "unknown_script") == 1


async def test_handler_exception_is_logged_and_the_server_lives_on(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    async def broken(agi: AgiSession) -> None:
        await agi.answer()
        raise RuntimeError("bug in the IVR")

    async def fine(agi: AgiSession) -> None:
        await agi.verbose("still here")

    server = await serving({"broken": broken, "fine": fine}, registry)
    stoppers.append(server)
    with capture_logs() as logs:
        assert await run_fastagi(FakeChannel(), f"agi://127.0.0.1:{server.port}/broken", []) == "FAILURE"
        await asyncio.sleep(0.05)
    failed = [entry for entry in logs if entry["event"] == "agi.handler_failed"]
    assert failed and failed[0]["log_level"] == "error"
    end = [entry for entry in logs if entry["event"] == "agi.session_end"]
    assert end[0]["uniqueid"] == "1795673821.51" and end[0]["outcome"] == "error"
    assert await run_fastagi(FakeChannel(), f"agi://127.0.0.1:{server.port}/fine", []) == "SUCCESS"
    assert registry.get_sample_value("hotline_agi_errors_total", {"kind": "handler_exception"}) == 1


async def raw_peer(port: int, env: bytes = ENV_01) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(env)
    await writer.drain()
    return reader, writer


async def test_eof_from_asterisk_cancels_the_handler(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def menu(agi: AgiSession) -> None:
        started.set()
        try:
            await asyncio.sleep(30)  # busy with something that is not AGI
        except asyncio.CancelledError:
            cancelled.set()
            raise

    server = await serving({"menu": menu}, registry)
    stoppers.append(server)
    _, writer = await raw_peer(server.port)
    await asyncio.wait_for(started.wait(), 2)
    writer.close()
    await asyncio.wait_for(cancelled.wait(), 2)
    await asyncio.sleep(0.05)
    assert sessions(registry, "menu", "closed_by_asterisk") == 1
    assert server.active_sessions == 0


async def test_hangup_notice_while_busy_stops_the_next_channel_command(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    notice_sent = asyncio.Event()
    outcome: list[str] = []

    async def menu(agi: AgiSession) -> None:
        await notice_sent.wait()
        await asyncio.sleep(0.05)
        try:
            await agi.stream_file("beep")
        except AgiHangup:
            outcome.append("hangup")
        outcome.append(str(await agi.get_variable("FOO")))

    server = await serving({"menu": menu}, registry)
    stoppers.append(server)
    reader, writer = await raw_peer(server.port)
    writer.write(b"HANGUP\n")
    await writer.drain()
    notice_sent.set()
    assert await asyncio.wait_for(reader.readline(), 2) == b"GET VARIABLE FOO\n"  # no STREAM FILE sent
    writer.write(b"200 result=1 (bar)\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 2) == b""  # handler done: server closes
    assert outcome == ["hangup", "bar"]


@pytest.mark.parametrize(
    "junk", [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n"]
)
async def test_bad_environment_is_refused_and_survived(
    junk: bytes, registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    async def menu(agi: AgiSession) -> None:
        await agi.verbose("ok")

    server = await serving({"menu": menu}, registry)
    stoppers.append(server)
    reader, writer = await raw_peer(server.port, junk)
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    assert registry.get_sample_value("hotline_agi_errors_total", {"kind": "bad_environment"}) == 1
    assert await run_fastagi(FakeChannel(), f"agi://127.0.0.1:{server.port}/menu", []) == "SUCCESS"


async def test_junk_replies_mid_session_are_survived(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    got: list[str | None] = []

    async def menu(agi: AgiSession) -> None:
        got.append(await agi.get_variable("A"))

    server = await serving({"menu": menu}, registry)
    stoppers.append(server)
    reader, writer = await raw_peer(server.port)
    assert await reader.readline() == b"GET VARIABLE A\n"
    writer.write(b"\x00\xff garbage\nHANGUP now\n200 result=1 (a)\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 2) == b""
    assert got == ["a"]
    assert registry.get_sample_value("hotline_agi_errors_total", {"kind": "malformed_line"}) == 2


async def test_full_server_refuses_with_failure(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    release = asyncio.Event()

    async def hold(agi: AgiSession) -> None:
        await release.wait()

    server = await serving({"menu": hold}, registry, max_sessions=1)
    stoppers.append(server)
    first = asyncio.ensure_future(run_fastagi(FakeChannel(), f"agi://127.0.0.1:{server.port}/menu", []))
    await until(lambda: server.active_sessions == 1)
    assert await run_fastagi(FakeChannel(), f"agi://127.0.0.1:{server.port}/menu", []) == "FAILURE"
    release.set()
    assert await first == "SUCCESS"
    await asyncio.sleep(0.05)
    assert sessions(registry, "menu", "rejected") == 1


async def test_stop_drains_then_cancels(registry: CollectorRegistry) -> None:
    cancelled = asyncio.Event()

    async def forever(agi: AgiSession) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def quick(agi: AgiSession) -> None:
        await asyncio.sleep(0.05)
        await agi.verbose("done")

    async with FastAgiServer(
        {"forever": forever, "quick": quick}, port=0, registry=registry, drain_timeout_s=0.3
    ) as server:
        assert server.port != 0
        slow = asyncio.ensure_future(run_fastagi(FakeChannel(), f"agi://127.0.0.1:{server.port}/forever", []))
        fast = asyncio.ensure_future(run_fastagi(FakeChannel(), f"agi://127.0.0.1:{server.port}/quick", []))
        await until(lambda: server.active_sessions == 2)
    assert cancelled.is_set()
    assert await fast == "SUCCESS"  # finished within the drain
    assert await slow == "SUCCESS"  # cancelled handler: the socket closes, Asterisk carries on


async def test_connect_refused_gives_failure_like_ami_18() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    channel = FakeChannel()
    assert await run_fastagi(channel, f"agi://127.0.0.1:{port}/menu", []) == "FAILURE"
    assert channel.variables["AGISTATUS"] == "FAILURE"


async def test_timeouts_are_applied_per_session(
    registry: CollectorRegistry, stoppers: list[FastAgiServer]
) -> None:
    errors: list[str] = []

    async def menu(agi: AgiSession) -> None:
        try:
            await agi.get_variable("A")
        except Exception as exc:
            errors.append(type(exc).__name__)
            raise

    server = await serving({"menu": menu}, registry, timeouts=AgiTimeouts(command_s=0.1))
    stoppers.append(server)
    reader, writer = await raw_peer(server.port)
    assert await reader.readline() == b"GET VARIABLE A\n"
    assert await asyncio.wait_for(reader.read(), 2) == b""  # no reply: session closed
    assert errors == ["AgiTimeout"]
    writer.close()


async def test_from_settings_uses_the_agi_section() -> None:
    from cti.agi.settings import AgiSettings

    settings = AgiSettings(port=0, max_sessions=3, command_timeout_s=0.5, drain_timeout_s=0.1)
    async with FastAgiServer.from_settings({}, settings, registry=CollectorRegistry()) as server:
        assert server.port != 0
        channel = FakeChannel()
        assert await run_fastagi(channel, f"agi://127.0.0.1:{server.port}/x", []) == "FAILURE"
