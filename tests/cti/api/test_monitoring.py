"""QA monitoring on the simulator: the QA person's phone is rung into ChanSpy on the agent's channel
with the mode's options, the mode switches, every session is logged; prefecture QA stay in their
prefecture."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from acd.model import SkillRequirement

from .conftest import ApiEnv, make_env
from .pbx import Pbx, eventually, simulated_pbx


@pytest.fixture
async def floor(tmp_path: Path) -> AsyncIterator[tuple[ApiEnv, Pbx]]:
    async with simulated_pbx(tmp_path) as pbx:
        async for api in make_env(tmp_path, ami=pbx.ami):
            yield api, pbx


async def _connect(api: ApiEnv, pbx: Pbx, agent_id: str, extension: str, prefecture: str) -> str:
    await api.acd.login(agent_id)
    caller, _ = await pbx.connected(pbx.call_agent(extension))
    assert caller is not None
    await api.acd.enqueue(
        caller.uniqueid, SkillRequirement("billing"), "normal", prefecture, caller_number="139"
    )
    assert await api.acd.agent_answered(caller.uniqueid, agent_id)
    return caller.uniqueid


def _spying(pbx: Pbx) -> list[tuple[str, str, str]]:
    return [(s.spyee.name, s.options, s.mode) for s in pbx.sim.pbx.spy_sessions]


async def _session(api: ApiEnv, user: str) -> dict[str, Any]:
    _, calls = await api.call("GET", "/api/qa/calls", user)
    return calls["mine"][0] if calls["mine"] else {}


async def test_provincial_qa_listens_whispers_barges_and_stops(floor: tuple[ApiEnv, Pbx]) -> None:
    api, pbx = floor
    uid = await _connect(api, pbx, "agent-1004", "1004", "tianshui")
    leg = pbx.channel("PJSIP/1004-")
    assert leg is not None
    _, calls = await api.call("GET", "/api/qa/calls", "qa.province")
    assert [(c["uniqueid"], c["agent_id"], c["prefecture"]) for c in calls["calls"]] == [
        (uid, "agent-1004", "tianshui")
    ]

    status, session = await api.call("POST", "/api/qa/monitor", "qa.province", {"agent_id": "agent-1004"})
    assert status == 202 and session["mode"] == "listen" and session["state"] == "ringing"
    await eventually(lambda: _spying(pbx) == [(leg.name, "qE", "spy")])  # quiet: no beep, nobody hears QA
    qa_phone = pbx.channel("PJSIP/8010-")
    assert qa_phone is not None and qa_phone.spying_on == leg.uniqueid
    sid = session["session_id"]

    async def active() -> bool:
        return (await _session(api, "qa.province")).get("state") == "active"

    for _ in range(100):
        if await active():
            break
        await asyncio.sleep(0.02)
    status, switched = await api.call("PUT", f"/api/qa/monitor/{sid}", "qa.province", {"mode": "whisper"})
    assert status == 200 and switched["mode"] == "whisper"
    await eventually(lambda: _spying(pbx) == [(leg.name, "qwE", "whisper")])
    assert pbx.channel("PJSIP/8010-") is not None  # the same phone call: no second ring
    await api.call("PUT", f"/api/qa/monitor/{sid}", "qa.province", {"mode": "barge"})
    await eventually(lambda: _spying(pbx) == [(leg.name, "qBE", "barge")])
    status, _ = await api.call("DELETE", f"/api/qa/monitor/{sid}", "qa.province")
    assert status == 200
    await eventually(lambda: _spying(pbx) == [] and pbx.channel("PJSIP/8010-") is None)
    _, log = await api.call("GET", "/api/qa/log", "qa.province")
    [entry] = log["sessions"]
    assert (
        entry["agent_id"] == "agent-1004" and entry["uniqueid"] == uid and entry["prefecture"] == "tianshui"
    )
    assert entry["modes"] == ["listen", "whisper", "barge"]
    assert entry["end_reason"] == "stopped" and entry["duration_s"] > 0
    _, theirs = await api.call("GET", "/api/qa/log", "qa.tianshui")
    assert len(theirs["sessions"]) == 1  # Tianshui's QA sees the log of Tianshui's agents
    _, others = await api.call("GET", "/api/qa/log", "qa.lanzhou")
    assert others["sessions"] == []


async def test_prefecture_qa_stays_in_its_prefecture(floor: tuple[ApiEnv, Pbx]) -> None:
    api, pbx = floor
    await _connect(api, pbx, "agent-1004", "1004", "tianshui")
    await _connect(api, pbx, "agent-1001", "1001", "lanzhou")
    _, calls = await api.call("GET", "/api/qa/calls", "qa.lanzhou")
    assert [c["agent_id"] for c in calls["calls"]] == ["agent-1001"]
    status, error = await api.call("POST", "/api/qa/monitor", "qa.lanzhou", {"agent_id": "agent-1004"})
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    assert _spying(pbx) == []
    status, session = await api.call("POST", "/api/qa/monitor", "qa.lanzhou", {"agent_id": "agent-1001"})
    assert status == 202
    leg = pbx.channel("PJSIP/1001-")
    assert leg is not None
    await eventually(lambda: _spying(pbx) == [(leg.name, "qE", "spy")])
    status, error = await api.call("POST", "/api/qa/monitor", "qa.lanzhou", {"agent_id": "agent-1001"})
    assert (status, error["error_id"]) == (409, "conflict")  # one session at a time
    status, error = await api.call("DELETE", f"/api/qa/monitor/{session['session_id']}", "qa.province")
    assert (status, error["error_id"]) == (404, "not-found")  # not theirs to stop
    # the call ends: the spy channel ends with it (ChanSpy option E) and the log is closed
    pbx.sim.phones["1001"].hangup_now()
    await eventually(lambda: _spying(pbx) == [] and pbx.channel("PJSIP/8001-") is None)

    async def closed() -> bool:
        _, log = await api.call("GET", "/api/qa/log", "qa.lanzhou")
        return bool(log["sessions"]) and log["sessions"][0]["end_reason"] == "ended"

    for _ in range(100):
        if await closed():
            break
        await asyncio.sleep(0.02)
    assert await closed()
