"""Call control with the whole node: the IVR, the ACD on AMI (its telephony, its event feed and the
``acd-wait`` handler) and the API, on the simulated Asterisk.  The ACD and the API must agree on
who has the call whatever the caller does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from acd.agent_state import AgentState
from sim.callers import Caller
from storage.agents import load_agents
from storage.users import DEMO_PASSWORD
from tests.browser.stack import Stack, running_stack

from .pbx import eventually


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


class Desk:
    def __init__(self, stack: Stack, http: aiohttp.ClientSession) -> None:
        self.stack = stack
        self.http = http
        self.tokens: dict[str, str] = {}

    async def post(self, user: str, path: str, body: object = None) -> tuple[int, dict[str, object]]:
        if user not in self.tokens:
            r = await self.http.post(
                f"{self.stack.url}/api/session", json={"username": user, "password": DEMO_PASSWORD}
            )
            self.tokens[user] = (await r.json())["token"]
        r = await self.http.post(
            f"{self.stack.url}{path}", json=body, headers={"Authorization": f"Bearer {self.tokens[user]}"}
        )
        return r.status, await r.json()

    async def until(self, agent_id: str, state: AgentState, entry: str | None = None) -> None:
        acd = self.stack.node.acd
        assert acd is not None
        async with asyncio.timeout(15):
            while True:
                status = await acd.status(agent_id)
                if status.state is state and (entry is None or status.entry_id == entry):
                    return
                await asyncio.sleep(0.05)

    async def connected(self, agent_id: str) -> tuple[Caller, str]:
        caller = self.stack.caller_for_an_agent()
        assert caller.record is not None
        await self.until(agent_id, AgentState.ON_CALL, caller.record.uniqueid)
        return caller, caller.record.uniqueid


@pytest.fixture
async def desk(stack: Stack) -> AsyncIterator[Desk]:
    async with aiohttp.ClientSession() as http:
        yield Desk(stack, http)


async def test_a_caller_who_hangs_up_on_hold_ends_the_call_for_the_acd(desk: Desk) -> None:
    acd = desk.stack.node.acd
    assert acd is not None
    await acd.login("agent-1001")
    caller, _ = await desk.connected("agent-1001")
    status, answer = await desk.post("agent1001", "/api/agent/call/hold")
    assert status == 200, answer
    await asyncio.sleep(0.3)
    caller.hangup()  # in [hold]: not a context the ACD's own feed watches
    await desk.until("agent-1001", AgentState.WRAP_UP)
    state = desk.stack.node.ami.state
    await eventually(lambda: not any(c.name.startswith("PJSIP/1001-") for c in state))  # the parked leg


async def test_a_transfer_to_a_skill_goes_back_through_the_acd(desk: Desk) -> None:
    acd = desk.stack.node.acd
    assert acd is not None
    await acd.login("agent-1001")
    _, uid = await desk.connected("agent-1001")
    await acd.login("agent-1002")  # billing
    status, answer = await desk.post(
        "agent1001", "/api/agent/call/transfer", {"target": "skill", "skill": "billing"}
    )
    assert status == 200, answer
    await desk.until("agent-1002", AgentState.ON_CALL, uid)  # queued again and connected
    assert (await acd.status("agent-1001")).state is AgentState.WRAP_UP


async def test_an_attended_transfer_with_the_acd_running(desk: Desk) -> None:
    acd = desk.stack.node.acd
    assert acd is not None
    await acd.login("agent-1001")
    _, uid = await desk.connected("agent-1001")
    await acd.login("agent-1003")
    status, answer = await desk.post("agent1001", "/api/agent/call/consult", {"agent_id": "agent-1003"})
    assert status == 200, answer
    async with asyncio.timeout(10):
        while (await desk.post("agent1001", "/api/agent/call/consult/complete"))[0] != 200:  # noqa: ASYNC110
            await asyncio.sleep(0.1)  # until the consulted agent has answered
    await desk.until("agent-1001", AgentState.WRAP_UP)
    assert (await acd.status("agent-1003")).reason == "consult"
    state = desk.stack.node.ami.state
    peers = state.bridge_peers(uid)
    assert [p.name[:11] for p in peers] == ["PJSIP/1003-"]
    desk.stack.sim.phones["1003"].hangup_now()
    await desk.until("agent-1003", AgentState.AVAILABLE)


async def test_reassigned_skills_are_kept_in_the_agent_directory(desk: Desk) -> None:
    r = await desk.http.post(
        f"{desk.stack.url}/api/session", json={"username": "sup.province", "password": DEMO_PASSWORD}
    )
    token = (await r.json())["token"]
    body = {"skills": [{"name": "fault", "proficiency": 5}]}
    r = await desk.http.put(
        f"{desk.stack.url}/api/agents/agent-1005/skills",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status == 200, await r.text()
    async with desk.stack.node.sessions() as db:
        directory = dict((a.id, a) for _, a in await load_agents(db))
    assert [(s.name, s.proficiency) for s in directory["agent-1005"].skills] == [("fault", 5)]
    acd = desk.stack.node.acd
    assert acd is not None
    assert [s.name for s in (await acd.service.agent("agent-1005")).skills] == ["fault"]
