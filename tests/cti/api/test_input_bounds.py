"""Oversize input is bounded on every path into the node, and the node lives on:
HTTP bodies (64 KiB), WebSocket frames (16 KiB), FastAGI environment blocks and reply lines (256 KiB),
AMI lines and messages (64 KiB / 256 KiB: ``tests/cti/ami/test_client.py::
test_malformed_and_oversized_input_is_survived`` and ``test_protocol.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from prometheus_client import CollectorRegistry

from cti.agi.environment import DEFAULT_MAX_ENVIRONMENT_BYTES
from cti.agi.protocol import DEFAULT_MAX_LINE_BYTES
from cti.agi.server import FastAgiServer
from cti.agi.session import AgiSession
from cti.api.routes import MAX_BODY
from sim.agi.client import run_fastagi
from tests.cti.agi.test_server import ENV_01, raw_peer
from tests.cti.api.conftest import ApiEnv
from tests.sim.agi.fake_channel import FakeChannel


async def test_an_http_body_over_the_limit_is_refused_and_the_api_lives_on(api: ApiEnv) -> None:
    big = b'{"username": "' + b"a" * (MAX_BODY + 1024) + b'", "password": "x"}'
    r = await api.client.post("/api/session", data=big, headers={"Content-Type": "application/json"})
    assert (r.status, (await r.json())["message"]) == (400, "request body too large")

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 16_384):
            yield big[start : start + 16_384]

    # no Content-Length: the body is streamed in chunks
    r = await api.client.post("/api/session", data=chunks(), headers={"Content-Type": "application/json"})
    assert r.status in (400, 413)  # ours, or aiohttp's client_max_size when no length was announced
    wrong = {"username": "sup.lanzhou", "password": "x"}
    assert (await api.call("POST", "/api/session", body=wrong))[0] == 401


async def test_a_websocket_frame_over_16_kib_closes_that_socket_only(api: ApiEnv) -> None:
    token = await api.token("sup.lanzhou")
    async with api.client.ws_connect("/api/ws") as ws:
        await ws.send_str("x" * (16 * 1024 + 1))  # before signing in
        msg = await ws.receive(timeout=5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
        assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    async with api.client.ws_connect("/api/ws") as ws:
        await ws.send_json({"type": "auth", "token": token})
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        await ws.send_str("y" * (64 * 1024))  # signed in
        while (msg := await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT:
            pass
        assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    async with api.client.ws_connect("/api/ws") as ws:  # the next one is served
        await ws.send_json({"type": "auth", "token": token})
        assert (await ws.receive_json(timeout=5))["type"] == "hello"


async def _agi_server(registry: CollectorRegistry, got: list[str | None]) -> FastAgiServer:
    async def menu(agi: AgiSession) -> None:
        got.append(await agi.get_variable("A"))

    server = FastAgiServer({"menu": menu}, host="127.0.0.1", port=0, registry=registry)
    await server.start()
    return server


async def test_an_agi_environment_over_the_limit_is_refused_and_the_server_lives_on() -> None:
    registry, got = CollectorRegistry(), []
    server = await _agi_server(registry, got)
    try:
        endless = b"agi_network: yes\n" + b"agi_x: " + b"x" * (DEFAULT_MAX_ENVIRONMENT_BYTES + 10) + b"\n"
        reader, writer = await raw_peer(server.port, endless)
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed, nothing run
        writer.close()
        assert registry.get_sample_value("hotline_agi_errors_total", {"kind": "bad_environment"}) == 1
        assert got == []
        assert await run_fastagi(FakeChannel(), f"agi://127.0.0.1:{server.port}/menu", []) == "SUCCESS"
    finally:
        await server.stop(drain_timeout_s=0.1)


async def test_an_agi_reply_line_over_the_limit_is_skipped_and_the_session_goes_on() -> None:
    registry, got = CollectorRegistry(), []
    server = await _agi_server(registry, got)
    try:
        reader, writer = await raw_peer(server.port, ENV_01)
        assert await reader.readline() == b"GET VARIABLE A\n"
        huge = b"200 result=1 (" + b"z" * (4 * DEFAULT_MAX_LINE_BYTES) + b")\n"
        for i in range(0, len(huge), 65536):  # as the network delivers it
            writer.write(huge[i : i + 65536])
            await writer.drain()
        writer.write(b"200 result=1 (a)\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""
        assert got == ["a"]
        assert registry.get_sample_value("hotline_agi_errors_total", {"kind": "malformed_line"}) == 1
    finally:
        await server.stop(drain_timeout_s=0.1)
