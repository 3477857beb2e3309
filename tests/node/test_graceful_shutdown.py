"""A node shutting down: ``/health`` says it is draining, the FastAGI server takes no new call, a
call in the IVR finishes within ``[agi] drain_timeout_s`` (one that does not is cut at that bound),
and the ACD's state stays in Redis for the next node."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from pathlib import Path

import aiohttp
import pytest

from acd.agent_state import AgentState
from acd.model import Agent, AgentLevel, Skill
from acd.settings import AcdSettings, RedisSettings
from cti.agi.environment import format_environment
from cti.agi.session import AgiSession
from cti.agi.settings import AgiSettings
from cti.ami.protocol import AmiMessage
from cti.ami.settings import AmiSettings
from cti.api.settings import ApiSettings
from node.root import Node, Parts, running_node
from node.settings import Settings
from storage.settings import StorageSettings
from tests.support.ports import free_port

pytestmark = pytest.mark.redis
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DRAIN_S = 3.0
PARTS = Parts(ivr=False, recordings=False, retention=False, reports=False, orders=False, workflow=False)


def _settings(tmp_path: Path, prefix: str, api_port: int) -> Settings:
    return Settings(
        storage=StorageSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'node.sqlite3'}"),
        ami=AmiSettings(port=free_port()),  # no PBX: the node runs without its AMI session
        agi=AgiSettings(port=0, drain_timeout_s=DRAIN_S),
        api=ApiSettings(listen=True, host="127.0.0.1", port=api_port),
        acd=AcdSettings(store="redis"),
        redis=RedisSettings(url=REDIS_URL, key_prefix=prefix),
    )


CALLER_NUMBER = "13800000001"


def known_to_the_node(node: Node, uniqueid: str) -> None:
    """The node serves a FastAGI session only for a channel its AMI state knows (issue 15): this
    node has no PBX, so the test tells its state of the caller's channel as Asterisk would."""
    node.ami.state.apply(
        AmiMessage(
            (
                ("Event", "Newchannel"),
                ("Channel", f"PJSIP/caller-{uniqueid}"),
                ("ChannelState", "6"),
                ("ChannelStateDesc", "Up"),
                ("CallerIDNum", CALLER_NUMBER),
                ("CallerIDName", "<unknown>"),
                ("ConnectedLineNum", "<unknown>"),
                ("ConnectedLineName", "<unknown>"),
                ("Language", "zh"),
                ("AccountCode", ""),
                ("Context", "hotline"),
                ("Exten", "s"),
                ("Priority", "1"),
                ("Uniqueid", uniqueid),
                ("Linkedid", uniqueid),
            )
        )
    )


class Caller:
    """Asterisk's side of one FastAGI connection: answers every command ``200 result=0``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.commands: list[str] = []
        self.answered = asyncio.Event()  # the first command came

    @classmethod
    async def connect(cls, port: int, script: str, uniqueid: str = "1.1") -> Caller:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        env = [
            ("agi_network", "yes"),
            ("agi_request", f"agi://127.0.0.1/{script}"),
            ("agi_network_script", script),
            ("agi_channel", f"PJSIP/caller-{uniqueid}"),
            ("agi_uniqueid", uniqueid),
            ("agi_callerid", CALLER_NUMBER),
            ("agi_context", "hotline"),
            ("agi_language", "zh"),
        ]
        writer.write(format_environment(env))
        return cls(reader, writer)

    async def serve(self) -> None:
        """Answer until the node closes the connection."""
        while line := await self.reader.readline():
            self.commands.append(line.decode().strip())
            self.answered.set()
            self.writer.write(b"200 result=0\n")
        self.writer.close()


async def _ivr_call(session: AgiSession) -> None:
    """A caller going through a menu: a few prompts over ~1 s, then handed to the queue."""
    for _ in range(5):
        await session.stream_file("hotline/main_menu")
        await asyncio.sleep(0.2)
    await session.set_variable("HOTLINE_OUTCOME", "queue")


async def _stuck(session: AgiSession) -> None:
    await session.stream_file("hotline/welcome")
    await asyncio.sleep(3600)


async def _health(port: int) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/health") as r:
        return r.status, await r.json()


async def test_shutdown_drains_calls_refuses_new_ones_and_leaves_the_acd_in_redis(tmp_path: Path) -> None:
    prefix = f"test-drain-{secrets.token_hex(4)}"
    api_port = free_port()
    settings = _settings(tmp_path, prefix, api_port)
    routes = {"ivr": _ivr_call, "stuck": _stuck}
    agent = Agent("a-drain", "8801", "lanzhou", AgentLevel.JUNIOR, (Skill("billing"),))
    stop = asyncio.Event()
    up: asyncio.Future[Node] = asyncio.get_running_loop().create_future()

    async def node_until_stopped() -> None:
        async with running_node(settings, parts=PARTS, extra_routes=routes) as node:
            up.set_result(node)
            await stop.wait()

    running = asyncio.create_task(node_until_stopped())
    node = await asyncio.wait_for(up, 30)
    assert node.acd is not None
    await node.acd.add_agent(agent, "Drain Test")
    await node.acd.login(agent.id)
    assert (await _health(api_port))[1]["status"] == "down"  # no AMI session: named, not draining
    known_to_the_node(node, "1.1")
    known_to_the_node(node, "1.2")
    ivr = await Caller.connect(node.agi.port, "ivr", "1.1")
    stuck = await Caller.connect(node.agi.port, "stuck", "1.2")
    callers = [asyncio.create_task(c.serve()) for c in (ivr, stuck)]
    await asyncio.wait_for(asyncio.gather(ivr.answered.wait(), stuck.answered.wait()), 10)

    stop.set()
    began = time.monotonic()
    status, body = await _health(api_port)
    assert (status, body["status"]) == (503, "draining")
    with pytest.raises(OSError):  # no new call
        await asyncio.wait_for(Caller.connect(node.agi.port, "ivr"), 5)
    await asyncio.wait_for(callers[0], DRAIN_S + 5)
    assert ivr.commands[-1] == "SET VARIABLE HOTLINE_OUTCOME queue", ivr.commands  # finished: queued
    await asyncio.wait_for(callers[1], DRAIN_S + 5)  # cut at the bound
    cut_after = time.monotonic() - began
    assert DRAIN_S * 0.8 <= cut_after <= DRAIN_S + 5, cut_after
    await asyncio.wait_for(running, 30)

    # the next node finds the agent as this one left it
    stop = asyncio.Event()
    up = asyncio.get_running_loop().create_future()
    settings = _settings(tmp_path, prefix, free_port())
    running = asyncio.create_task(node_until_stopped())
    try:
        node = await asyncio.wait_for(up, 30)
        assert node.acd is not None
        assert (await node.acd.status(agent.id)).state is not AgentState.LOGGED_OUT
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running, 30)
