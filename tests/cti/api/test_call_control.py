"""Call control from the agent's screen, through AMI on the simulated Asterisk: hold, transfers,
consultation, conference, hang-up; and the ACD kept in step (who is on the call, who is paused)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from acd.agent_state import AgentState
from acd.model import SkillRequirement
from sim.callers import Caller

from .conftest import ApiEnv, make_env
from .pbx import Pbx, eventually, simulated_pbx


@dataclass
class Desk:
    api: ApiEnv
    pbx: Pbx

    async def connect(self, agent_id: str, extension: str, number: str = "13800000001") -> tuple[Caller, str]:
        """A caller in conversation with ``agent_id``, connected as the ACD would connect it."""
        await self.api.acd.login(agent_id)
        caller = self.pbx.call_agent(extension, number)
        chan, _ = await self.pbx.connected(caller)
        await self.api.acd.enqueue(
            chan.uniqueid, SkillRequirement("billing"), "normal", "lanzhou", caller_number=number
        )
        assert await self.api.acd.agent_answered(chan.uniqueid, agent_id)
        return caller, chan.uniqueid

    async def state(self, agent_id: str) -> AgentState:
        return (await self.api.acd.status(agent_id)).state

    async def until_state(self, agent_id: str, state: AgentState) -> None:
        status = None

        async def check() -> bool:
            nonlocal status
            status = await self.api.acd.status(agent_id)
            return status.state is state

        for _ in range(250):
            if await check():
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{agent_id} is {status}, not {state}")


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with simulated_pbx(tmp_path) as pbx:
        async for api in make_env(tmp_path, ami=pbx.ami):
            yield Desk(api, pbx)


async def test_hold_and_unhold_with_music_then_hang_up(desk: Desk) -> None:
    _, uid = await desk.connect("agent-1001", "1001")
    state = desk.pbx.ami.state
    status, answer = await desk.api.call("POST", "/api/agent/call/hold", "agent1001")
    assert status == 200 and answer["call"]["state"] == "held", answer
    await eventually(lambda: state.channel(uid).on_hold and state.channel(uid).context == "hold")  # type: ignore[union-attr]
    leg = desk.pbx.channel("PJSIP/1001-")
    assert leg is not None and leg.context == "agent-park"
    status, error = await desk.api.call("POST", "/api/agent/call/hold", "agent1001")
    assert (status, error["error_id"]) == (409, "call-state")
    status, answer = await desk.api.call("POST", "/api/agent/call/unhold", "agent1001")
    assert status == 200 and answer["call"]["state"] == "talking"
    await eventually(lambda: [p.uniqueid for p in state.bridge_peers(uid)] == [leg.uniqueid])
    status, _ = await desk.api.call("POST", "/api/agent/call/hangup", "agent1001")
    assert status == 200
    await eventually(lambda: state.channel(uid) is None)
    await desk.until_state("agent-1001", AgentState.WRAP_UP)  # the API told the ACD: hung up in [hold]


async def test_an_agent_controls_only_their_own_call(desk: Desk) -> None:
    await desk.connect("agent-1001", "1001")
    await desk.api.acd.login("agent-1002")
    status, error = await desk.api.call("POST", "/api/agent/call/hold", "agent1002")
    assert (status, error["error_id"]) == (409, "call-none")
    status, answer = await desk.api.call("GET", "/api/agent/call", "agent1002")
    assert answer == {"call": None, "pop": None}
    _, mine = await desk.api.call("GET", "/api/agent/call", "agent1001")
    assert mine["call"]["state"] == "talking" and mine["pop"]["customer"]["name"] == "张伟"


async def test_blind_transfer_to_a_skill_sends_the_caller_back_in_line(desk: Desk) -> None:
    _, uid = await desk.connect("agent-1001", "1001")
    status, answer = await desk.api.call(
        "POST", "/api/agent/call/transfer", "agent1001", {"target": "skill", "skill": "complaint"}
    )
    assert status == 200, answer
    state = desk.pbx.ami.state
    await eventually(lambda: (c := state.channel(uid)) is None or c.context == "acd-wait")
    assert await desk.state("agent-1001") is AgentState.WRAP_UP
    caller = desk.pbx.sim.pbx.find_channel(uid)
    assert caller is None or caller.get_variable("HOTLINE_SKILL") == "complaint"
    await eventually(lambda: desk.pbx.channel("PJSIP/1001-") is None)  # the agent's leg ended with the bridge


async def test_blind_transfer_to_a_senior_is_an_escalation(desk: Desk) -> None:
    _, uid = await desk.connect("agent-1001", "1001")
    status, answer = await desk.api.call(
        "POST", "/api/agent/call/transfer", "agent1001", {"target": "senior"}
    )
    assert status == 200, answer
    assert ("return_to_queue", uid, "agent-1001") in desk.api.telephony.actions
    assert await desk.state("agent-1001") is AgentState.WRAP_UP
    record = await desk.api.acd.store.call(uid)
    assert record is not None and record.entry.requirement.min_level.label == "senior"


async def test_blind_transfer_to_an_agent_who_then_owns_the_call(desk: Desk) -> None:
    _, uid = await desk.connect("agent-1001", "1001")
    status, error = await desk.api.call(
        "POST", "/api/agent/call/transfer", "agent1001", {"target": "agent", "agent_id": "agent-1002"}
    )
    assert (status, error["error_id"]) == (409, "agent-busy")  # not signed in
    await desk.api.acd.login("agent-1002")
    status, answer = await desk.api.call(
        "POST", "/api/agent/call/transfer", "agent1001", {"target": "agent", "agent_id": "agent-1002"}
    )
    assert status == 200, answer
    assert await desk.state("agent-1001") is AgentState.WRAP_UP
    assert (await desk.api.acd.status("agent-1002")).reason == "transfer"  # kept away from the queue
    state = desk.pbx.ami.state
    await eventually(lambda: any(p.name.startswith("PJSIP/1002-") for p in state.bridge_peers(uid)))
    _, theirs = await desk.api.call("GET", "/api/agent/call", "agent1002")
    assert theirs["call"]["direct"] and theirs["call"]["state"] == "talking"
    assert theirs["pop"]["caller_number"] == "13800000001"
    status, _ = await desk.api.call("POST", "/api/agent/call/hangup", "agent1002")
    assert status == 200
    await desk.until_state("agent-1002", AgentState.AVAILABLE)  # given back once their leg ended
    await eventually(lambda: state.channel(uid) is None)


async def test_consult_then_complete_hands_the_caller_over(desk: Desk) -> None:
    _, uid = await desk.connect("agent-1001", "1001")
    await desk.api.acd.login("agent-1003")
    status, answer = await desk.api.call(
        "POST", "/api/agent/call/consult", "agent1001", {"agent_id": "agent-1003"}
    )
    assert status == 200 and answer["call"]["state"] == "consulting", answer
    assert (await desk.api.acd.status("agent-1003")).reason == "consult"
    status, error = await desk.api.call("POST", "/api/agent/call/consult/complete", "agent1001")
    if status == 409:  # the consulted phone is still ringing
        assert error["error_id"] == "call-state"
    _, current = await desk.api.call("GET", "/api/agent/call", "agent1001")
    state = desk.pbx.ami.state
    await eventually(lambda: (c := desk.pbx.channel("PJSIP/1003-")) is not None and c.bridge_id is not None)
    await _answered(desk)
    assert state.channel(uid).on_hold  # type: ignore[union-attr]
    status, answer = await desk.api.call("POST", "/api/agent/call/consult/complete", "agent1001")
    assert status == 200, answer
    consulted = desk.pbx.channel("PJSIP/1003-")
    assert consulted is not None
    await eventually(lambda: [p.uniqueid for p in state.bridge_peers(uid)] == [consulted.uniqueid])
    await eventually(lambda: desk.pbx.channel("PJSIP/1001-") is None)
    assert await desk.state("agent-1001") is AgentState.WRAP_UP
    _, theirs = await desk.api.call("GET", "/api/agent/call", "agent1003")
    assert theirs["call"]["agent_id"] == "agent-1003" and theirs["call"]["state"] == "talking"
    desk.pbx.sim.phones["1003"].hangup_now()
    await desk.until_state("agent-1003", AgentState.AVAILABLE)
    await eventually(lambda: state.channel(uid) is None)
    assert current["call"]["state"] == "consulting"


async def test_consult_then_cancel_goes_back_to_the_caller(desk: Desk) -> None:
    _, uid = await desk.connect("agent-1001", "1001")
    await desk.api.acd.login("agent-1003")
    await desk.api.call("POST", "/api/agent/call/consult", "agent1001", {"agent_id": "agent-1003"})
    await _answered(desk)
    status, answer = await desk.api.call("POST", "/api/agent/call/consult/cancel", "agent1001")
    assert status == 200 and answer["call"]["state"] == "talking", answer
    state = desk.pbx.ami.state
    leg = desk.pbx.channel("PJSIP/1001-")
    assert leg is not None
    await eventually(lambda: [p.uniqueid for p in state.bridge_peers(uid)] == [leg.uniqueid])
    await desk.until_state("agent-1003", AgentState.AVAILABLE)
    assert await desk.state("agent-1001") is AgentState.ON_CALL


async def test_conference_of_three_then_the_first_agent_leaves(desk: Desk) -> None:
    _, uid = await desk.connect("agent-1001", "1001")
    await desk.api.acd.login("agent-1003")
    await desk.api.call("POST", "/api/agent/call/consult", "agent1001", {"agent_id": "agent-1003"})
    await _answered(desk)
    status, answer = await desk.api.call("POST", "/api/agent/call/conference", "agent1001")
    assert status == 200 and answer["call"]["state"] == "conference", answer
    state = desk.pbx.ami.state
    await eventually(lambda: len(state.bridge_peers(uid)) == 2)
    status, _ = await desk.api.call("POST", "/api/agent/call/hangup", "agent1001")  # leaves the conference
    assert status == 200
    consulted = desk.pbx.channel("PJSIP/1003-")
    assert consulted is not None
    await eventually(lambda: [p.uniqueid for p in state.bridge_peers(uid)] == [consulted.uniqueid])
    await desk.until_state("agent-1001", AgentState.WRAP_UP)
    _, theirs = await desk.api.call("GET", "/api/agent/call", "agent1003")
    assert theirs["call"]["agent_id"] == "agent-1003"
    desk.pbx.sim.phones["1003"].hangup_now()
    await desk.until_state("agent-1003", AgentState.AVAILABLE)
    await eventually(lambda: state.channel(uid) is None)  # not left alone in the bridge


async def _answered(desk: Desk) -> None:
    async def answered() -> bool:
        _, current = await desk.api.call("GET", "/api/agent/call", "agent1001")
        return bool(current["call"] and current["call"]["consult"] and current["call"]["consult"]["answered"])

    for _ in range(250):
        if await answered():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the consulted agent never answered")
