"""Callers of another Asterisk server are acted on through that server's node (issue 17).

Two :class:`ServerTelephony` on one Redis (servers ``pbx-a`` and ``pbx-b``), each over a local
telephony that records what it is asked; ``pbx-b``'s serves the requests for its server, whose
presence the test keeps as the node's heartbeat would.  The end-to-end case, with two simulated
servers, is ``test_two_servers.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from acd.errors import CallerGone, TelephonyError
from acd.model import Agent, AgentLevel, CallbackRequest, Segment, Skill, SkillRequirement, WaitingCall
from acd.telephony import OfferEnd
from cti.acd_bridge.servers import ServerTelephony
from cti.acd_bridge.telephony import AmiTelephony
from tests.acd.conftest import redis_url, require_redis

pytestmark = pytest.mark.redis

AGENT = Agent("agent-1001", "1001", "lanzhou", AgentLevel.JUNIOR, (Skill("general"),))


class Recorder:
    """A local telephony: records each action; the caller ``gone`` has no channel."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str, Any]] = []

    async def connect(self, call: WaitingCall, agent: Agent) -> None:
        if call.uniqueid == "gone":
            raise CallerGone("no channel")
        self.done.append(("connect", call.uniqueid, agent.id))

    async def call_back(self, request: CallbackRequest, agent: Agent) -> None:
        self.done.append(("call_back", request.request_id, agent.id))

    async def cancel_offer(self, entry: WaitingCall, agent: Agent, why: OfferEnd) -> None:
        self.done.append(("cancel_offer", entry.uniqueid, why))

    async def return_to_queue(self, entry: WaitingCall, agent: Agent) -> None:
        self.done.append(("return_to_queue", entry.uniqueid, agent.id))


def call(uniqueid: str, server: str | None) -> WaitingCall:
    return WaitingCall(uniqueid, SkillRequirement("general"), Segment.NORMAL, "lanzhou", 0.0, server=server)


async def present(client: Redis, prefix: str, server: str) -> None:
    """The server's ACD presence, as its node's heartbeat keeps it."""
    await client.set(f"{prefix}:node:{server}", "0", px=30_000)


@contextlib.asynccontextmanager
async def servers() -> AsyncIterator[tuple[Redis, str]]:
    await require_redis()
    client = Redis.from_url(redis_url(), decode_responses=True)
    prefix = f"test-servers-{secrets.token_hex(4)}:acd"
    try:
        yield client, prefix
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*") if ":node:" not in key]
        assert keys == []  # every request taken, every reply read
    finally:
        async for key in client.scan_iter(match=f"{prefix}:*"):
            await client.delete(key)
        await client.aclose()


def node(client: Redis, prefix: str, server: str, timeout_s: float = 5.0) -> tuple[ServerTelephony, Recorder]:
    local = Recorder()
    return ServerTelephony(cast(AmiTelephony, local), client, prefix, server, timeout_s=timeout_s), local


async def test_each_caller_is_acted_on_by_its_own_server() -> None:
    async with servers() as (client, prefix):
        a, local_a = node(client, prefix, "pbx-a")
        b, local_b = node(client, prefix, "pbx-b")
        await present(client, prefix, "pbx-b")
        serving = asyncio.create_task(b.serve())
        callback = CallbackRequest.for_call(call("2.2", "pbx-b"), "13900000000", 0.0)
        try:
            await a.connect(call("1.1", "pbx-a"), AGENT)  # its own
            await a.connect(call("1.2", None), AGENT)  # queued before servers were named: its own
            await a.connect(call("2.1", "pbx-b"), AGENT)  # pbx-b's: through pbx-b's node
            await a.cancel_offer(call("2.1", "pbx-b"), AGENT, OfferEnd.NO_ANSWER)
            await a.return_to_queue(call("2.1", "pbx-b"), AGENT)
            await a.call_back(callback, AGENT)  # a callback keeps its caller's server
            with pytest.raises(CallerGone):
                await a.connect(call("gone", "pbx-b"), AGENT)
        finally:
            serving.cancel()
            await asyncio.gather(serving, return_exceptions=True)
            await b.close()
        assert local_a.done == [("connect", "1.1", AGENT.id), ("connect", "1.2", AGENT.id)]
        assert local_b.done == [
            ("connect", "2.1", AGENT.id),
            ("cancel_offer", "2.1", OfferEnd.NO_ANSWER),
            ("return_to_queue", "2.1", AGENT.id),
            ("call_back", "callback-2.2", AGENT.id),
        ]


async def test_a_server_whose_node_does_not_answer_is_a_telephony_error_and_its_request_dropped() -> None:
    async with servers() as (client, prefix):
        a, _ = node(client, prefix, "pbx-a", timeout_s=0.5)
        await present(client, prefix, "pbx-c")  # present, but nothing takes its requests yet
        with pytest.raises(TelephonyError, match="no node of server pbx-c answered"):
            await a.connect(call("3.1", "pbx-c"), AGENT)
        c, local_c = node(client, prefix, "pbx-c")  # pbx-c's node comes up afterwards
        serving = asyncio.create_task(c.serve())
        try:
            for _ in range(100):
                if not await client.exists(f"{prefix}:telephony:pbx-c"):
                    break
                await asyncio.sleep(0.05)
        finally:
            serving.cancel()
            await asyncio.gather(serving, return_exceptions=True)
            await c.close()
        assert local_c.done == []  # too late: the ACD has settled that offer as failed


async def test_the_entries_of_a_server_with_no_node_alive_are_acted_on_here() -> None:
    """Its presence expired: the server is gone with its callers, whom this node's AMI does not
    find either (they count as gone); its callbacks are dialled from here."""
    async with servers() as (client, prefix):
        a, local_a = node(client, prefix, "pbx-a")
        callback = CallbackRequest.for_call(call("4.2", "pbx-d"), "13900000000", 0.0)
        await a.connect(call("4.1", "pbx-d"), AGENT)
        await a.call_back(callback, AGENT)
        assert local_a.done == [("connect", "4.1", AGENT.id), ("call_back", "callback-4.2", AGENT.id)]
