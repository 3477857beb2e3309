"""Security finding 6, races and loose checks, each tried as the probe tried it: one QA user
starting several monitoring sessions at once, a transfer to a skill nobody serves, a NUL in a
skill, a wrap-up naming a ticket that does not exist or is out of scope, an agent signing in at
a QA inspector's listening phone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from acd.model import SkillRequirement
from storage.recordings import Recording, RecordingStatus

from .conftest import ApiEnv, make_env
from .pbx import Pbx, eventually, simulated_pbx


@pytest.fixture
async def floor(tmp_path: Path) -> AsyncIterator[tuple[ApiEnv, Pbx]]:
    async with simulated_pbx(tmp_path) as pbx:
        async for api in make_env(tmp_path, ami=pbx.ami):
            yield api, pbx


async def _connect(api: ApiEnv, pbx: Pbx, agent_id: str, extension: str) -> str:
    await api.acd.login(agent_id)
    caller, _ = await pbx.connected(pbx.call_agent(extension))
    assert caller is not None
    await api.acd.enqueue(
        caller.uniqueid, SkillRequirement("billing"), "normal", "lanzhou", caller_number="139"
    )
    assert await api.acd.agent_answered(caller.uniqueid, agent_id)
    return caller.uniqueid


async def test_one_qa_user_starting_many_sessions_at_once_gets_one(floor: tuple[ApiEnv, Pbx]) -> None:
    api, pbx = floor
    await _connect(api, pbx, "agent-1001", "1001")
    await _connect(api, pbx, "agent-1002", "1002")
    await api.token("qa.province")
    bodies = [{"agent_id": "agent-1001"}, {"agent_id": "agent-1002"}] * 6
    answers = await asyncio.gather(*(api.call("POST", "/api/qa/monitor", "qa.province", b) for b in bodies))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [202] + [409] * 11, answers
    _, calls = await api.call("GET", "/api/qa/calls", "qa.province")
    assert len(calls["mine"]) == 1
    await asyncio.sleep(0.3)
    assert len([s for s in pbx.sim.pbx.spy_sessions]) <= 1  # one phone rung into ChanSpy, at most


async def test_a_transfer_to_a_skill_nobody_has_is_refused_and_the_call_stays(
    floor: tuple[ApiEnv, Pbx],
) -> None:
    api, pbx = floor
    uid = await _connect(api, pbx, "agent-1001", "1001")
    for skill in ["no-such-skill", "billing\x00x", "billing\x01"]:
        status, error = await api.call(
            "POST", "/api/agent/call/transfer", "agent1001", {"target": "skill", "skill": skill}
        )
        assert (status, error["error_id"]) == (400, "request-invalid"), (skill, error)
    _, mine = await api.call("GET", "/api/agent/call", "agent1001")
    assert mine["call"]["state"] == "talking" and mine["call"]["uniqueid"] == uid
    status, _ = await api.call(
        "POST", "/api/agent/call/transfer", "agent1001", {"target": "skill", "skill": "complaint"}
    )
    assert status == 200
    await eventually(lambda: (c := pbx.ami.state.channel(uid)) is None or c.context == "acd-wait")


async def _wrap_up_state(api: ApiEnv) -> None:
    await api.call("POST", "/api/agent/login", "agent1001", {"extension": "1001"})
    await api.acd.enqueue(
        "1700000000.7", SkillRequirement("billing"), "normal", "lanzhou", caller_number="139"
    )
    assert await api.acd.agent_answered("1700000000.7", "agent-1001")
    assert await api.acd.call_hung_up("1700000000.7")
    await asyncio.sleep(0.1)  # the call log is written by a background worker


async def test_a_wrap_up_names_only_a_ticket_that_exists_and_is_in_scope(api: ApiEnv) -> None:
    await _wrap_up_state(api)
    for number, expected in [("99999999", (404, "not-found")), ("00000026", (403, "auth-out-of-scope"))]:
        status, error = await api.call(
            "POST",
            "/api/agent/wrapup",
            "agent1001",
            {"disposition": "ticket_dispatched", "ticket_number": number},
        )
        assert (status, error["error_id"]) == expected, (number, error)
    assert (await api.acd.status("agent-1001")).state.value == "wrap_up"  # nothing was recorded
    status, done = await api.call("POST", "/api/agent/wrapup", "agent1001", {"disposition": "resolved"})
    assert status == 200, done


async def test_an_agent_cannot_sign_in_at_a_qa_phone(api: ApiEnv) -> None:
    status, error = await api.call("POST", "/api/agent/login", "agent1002", {"extension": "8001"})
    assert (status, error["error_id"]) == (409, "conflict"), error
    assert (await api.acd.agent("agent-1002")).extension == "1002"
    status, _ = await api.call("POST", "/api/agent/login", "agent1002", {"extension": "2002"})
    assert status == 200


async def test_one_scope_rule_for_recordings_and_live_monitoring_the_agents_prefecture(api: ApiEnv) -> None:
    """Finding 7: a Tianshui caller answered by a Lanzhou agent is Lanzhou's, live (monitoring
    follows the agent) and recorded; Tianshui's QA get the same 404 as for an unknown id."""
    async with api.sessions() as db:
        row = Recording(
            uniqueid="1700000000.42", linkedid="1700000000.42", agent="1001", caller_number="13800000002",
            prefecture="tianshui", source="/var/spool/asterisk/monitor/x.wav", format="wav",
            started_at=datetime(2024, 6, 10, 9, tzinfo=UTC), status=RecordingStatus.MISSING,
            agent_id="agent-1001",
        )  # fmt: skip
        db.add(row)
        await db.commit()
        recording_id = row.id
    status, answer = await api.call("GET", f"/api/recordings/{recording_id}/audio", "qa.lanzhou")
    assert (status, answer["message"]) == (404, "this recording has no audio")  # in scope: no file
    status, answer = await api.call("GET", f"/api/recordings/{recording_id}/audio", "qa.tianshui")
    _, unknown = await api.call("GET", "/api/recordings/987654/audio", "qa.tianshui")
    assert status == 404 and answer == unknown
    _, listed = await api.call("GET", "/api/recordings", "qa.lanzhou")
    assert recording_id in [r["recording_id"] for r in listed["recordings"]]
    _, listed = await api.call("GET", "/api/recordings", "qa.tianshui")
    assert recording_id not in [r["recording_id"] for r in listed["recordings"]]
