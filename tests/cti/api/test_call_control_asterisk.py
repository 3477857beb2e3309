"""Call control and QA monitoring against the real Asterisk 22 (``../shared/asterisk``, Local
channels only): the shipped dialplan with agents' and QA phones played by Local channels that
answer and wait.  The same AMI sequences as on the simulator must do the same there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from acd.agent_state import AgentState
from acd.model import SkillRequirement
from cti.acd_bridge.site_globals import render_globals
from cti.ami.channels import Channel
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from tests.support.real_asterisk import RealAsterisk, real_asterisk

from .conftest import ApiEnv, make_env
from .pbx import eventually

pytestmark = pytest.mark.conformance

SHIPPED = Path(__file__).resolve().parents[3] / "dialplan" / "extensions.conf"
# Phones send audio all the time (RTP, even when their user is silent), and ChanSpy notices a
# Redirect only when a frame arrives from the QA's phone: these phones answer and play music.
PHONES = """
; test phones: a caller's phone and agents' / QA phones that answer and send audio
[sim-caller]
exten => c,1,Answer()
 same => n,MusicOnHold(default,120)
[sim-agents]
exten => _X.,1,Answer()
 same => n,MusicOnHold(default,120)
"""


def _dialplan(folder: Path) -> Path:
    text = SHIPPED.read_text()
    text = render_globals(text, {"AGENT_TECH": "Local", "AGENT_SUFFIX": "@sim-agents/n"})
    path = folder / "extensions.conf"
    path.write_text(text + PHONES)
    return path


@dataclass
class Floor:
    api: ApiEnv
    ami: AmiClient
    asterisk: RealAsterisk

    async def call(self, agent_id: str, extension: str) -> tuple[Channel, Channel]:
        """A caller (the ;1 half of a Local pair) in [acd-connect], bridged with the agent."""
        await self.api.acd.login(agent_id)
        await self.ami.originate(
            "Local/c@sim-caller/n",
            context="acd-connect",
            exten=extension,
            priority=1,
            caller_id="13800000001",
        )
        state = self.ami.state

        def bridged() -> Channel | None:
            for c in state:
                if (
                    c.name.startswith("Local/c@sim-caller")
                    and c.name.endswith(";1")
                    and state.bridge_peers(c.uniqueid)
                ):
                    return c
            return None

        await eventually(bridged, within_s=10)
        caller = bridged()
        assert caller is not None
        [leg] = state.bridge_peers(caller.uniqueid)
        await self.api.acd.enqueue(caller.uniqueid, SkillRequirement("billing"), "normal", "lanzhou")
        assert await self.api.acd.agent_answered(caller.uniqueid, agent_id)
        return caller, leg

    def channel(self, prefix: str) -> Channel | None:
        found = [c for c in self.ami.state if c.name.startswith(prefix) and c.name.endswith(";1")]
        return found[-1] if found else None


@pytest.fixture
async def floor(tmp_path: Path) -> AsyncIterator[Floor]:
    with real_asterisk(extensions=_dialplan(tmp_path)) as asterisk:
        asterisk.cli("core waitfullybooted")
        settings = AmiSettings(port=asterisk.ami_port, username=asterisk.username, secret=asterisk.secret)
        async with AmiClient(settings) as ami:
            await ami.wait_connected(timeout_s=10)
            async for api in make_env(tmp_path, ami=ami):
                yield Floor(api, ami, asterisk)


async def test_hold_consult_conference_on_the_real_asterisk(floor: Floor) -> None:
    api, state = floor.api, floor.ami.state
    caller, leg = await floor.call("agent-1001", "1001")
    status, answer = await api.call("POST", "/api/agent/call/hold", "agent1001")
    assert status == 200, answer
    await eventually(lambda: state.channel(caller.uniqueid).on_hold)  # type: ignore[union-attr]
    await eventually(lambda: state.channel(leg.uniqueid).context == "agent-park")  # type: ignore[union-attr]
    status, _ = await api.call("POST", "/api/agent/call/unhold", "agent1001")
    assert status == 200
    await eventually(lambda: [p.uniqueid for p in state.bridge_peers(caller.uniqueid)] == [leg.uniqueid])

    await api.acd.login("agent-1003")
    status, answer = await api.call(
        "POST", "/api/agent/call/consult", "agent1001", {"agent_id": "agent-1003"}
    )
    assert status == 200, answer
    await eventually(
        lambda: (c := floor.channel("Local/1003@sim-agents")) is not None and c.bridge_id is not None
    )
    consulted = floor.channel("Local/1003@sim-agents")
    assert consulted is not None

    async def answered() -> bool:
        _, current = await api.call("GET", "/api/agent/call", "agent1001")
        return bool(current["call"]["consult"] and current["call"]["consult"]["answered"])

    async with asyncio.timeout(10):
        while not await answered():  # noqa: ASYNC110 - the API learns it from AMI events
            await asyncio.sleep(0.05)
    status, answer = await api.call("POST", "/api/agent/call/conference", "agent1001")
    assert status == 200, answer
    await eventually(lambda: len(state.bridge_peers(caller.uniqueid)) == 2)
    status, _ = await api.call("POST", "/api/agent/call/hangup", "agent1001")  # leaves the conference
    assert status == 200
    await eventually(
        lambda: [p.uniqueid for p in state.bridge_peers(caller.uniqueid)] == [consulted.uniqueid]
    )
    await eventually(lambda: state.channel(leg.uniqueid) is None)
    assert (await api.acd.status("agent-1001")).state is AgentState.WRAP_UP
    _, theirs = await api.call("GET", "/api/agent/call", "agent1003")
    assert theirs["call"]["agent_id"] == "agent-1003"
    await floor.ami.hangup(consulted.name)
    await eventually(lambda: state.channel(caller.uniqueid) is None)  # not left alone in the bridge


async def test_qa_listens_then_whispers_on_the_real_asterisk(floor: Floor) -> None:
    api, state = floor.api, floor.ami.state
    _, leg = await floor.call("agent-1001", "1001")
    status, session = await api.call("POST", "/api/qa/monitor", "qa.province", {"agent_id": "agent-1001"})
    assert status == 202, session

    def spyer() -> Channel | None:
        return next((c for c in state if c.spying_on == leg.uniqueid), None)

    await eventually(lambda: spyer() is not None, within_s=10)
    first = spyer()
    assert (
        first is not None
        and first.name.startswith("Local/8010@sim-agents")
        and first.app_data.endswith(",qE")
    )

    async def active() -> bool:
        _, calls = await api.call("GET", "/api/qa/calls", "qa.province")
        return bool(calls["mine"]) and calls["mine"][0]["state"] == "active"

    async with asyncio.timeout(10):
        while not await active():  # noqa: ASYNC110 - the API learns it from the Originate's outcome
            await asyncio.sleep(0.05)
    status, _ = await api.call(
        "PUT", f"/api/qa/monitor/{session['session_id']}", "qa.province", {"mode": "whisper"}
    )
    assert status == 200
    await eventually(
        lambda: (s := spyer()) is not None and s.app_data.endswith(",qwE") and s.uniqueid == first.uniqueid
    )
    status, _ = await api.call("DELETE", f"/api/qa/monitor/{session['session_id']}", "qa.province")
    assert status == 200
    await eventually(lambda: state.channel(first.uniqueid) is None)
    _, log = await api.call("GET", "/api/qa/log", "qa.province")
    assert (
        log["sessions"][0]["modes"] == ["listen", "whisper"] and log["sessions"][0]["end_reason"] == "stopped"
    )
