"""Agents as data over the API: a supervisor adds, edits and retires the agents of their prefecture;
the running ACD follows at once; a retired agent keeps their history and cannot sign in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from acd.errors import UnknownAgent
from acd.model import SkillRequirement
from storage.agent_calls import AgentCall, call_answered
from storage.users import NewUser, Role, create_user

from .conftest import ApiEnv

NEW = {
    "agent_id": "agent-2001",
    "name": "孙悦",
    "extension": "2001",
    "prefecture": "lanzhou",
    "level": "junior",
    "skills": [{"name": "billing", "proficiency": 4}, {"name": "general"}],
    "languages": ["zh", "en"],
}


async def test_a_supervisor_adds_edits_and_retires_an_agent(api: ApiEnv) -> None:
    status, created = await api.call("POST", "/api/agents", "sup.lanzhou", NEW)
    assert status == 201, created
    assert created == {
        "agent_id": "agent-2001",
        "name": "孙悦",
        "extension": "2001",
        "prefecture": "lanzhou",
        "level": "junior",
        "skills": [{"name": "billing", "proficiency": 4}, {"name": "general", "proficiency": 3}],
        "languages": ["zh", "en"],
        "retired": False,
        "state": "logged_out",
    }
    in_acd = await api.acd.agent("agent-2001")  # the running ACD has them at once
    assert in_acd.extension == "2001" and [s.name for s in in_acd.skills] == ["billing", "general"]
    _, listed = await api.call("GET", "/api/agents", "sup.lanzhou")
    assert "agent-2001" in [a["agent_id"] for a in listed["agents"]]
    assert {a["prefecture"] for a in listed["agents"]} == {"lanzhou"}

    body = {"skills": [{"name": "complaint", "proficiency": 5}], "level": "senior", "name": "孙悦 (高级)"}
    status, edited = await api.call("PATCH", "/api/agents/agent-2001", "sup.lanzhou", body)
    assert status == 200 and edited["level"] == "senior" and edited["extension"] == "2001"
    in_acd = await api.acd.agent("agent-2001")
    assert in_acd.level.label == "senior" and [(s.name, s.proficiency) for s in in_acd.skills] == [
        ("complaint", 5)
    ]

    # the agent works: a user, a sign-in, a call in the log
    async with api.sessions() as db:
        await create_user(
            db,
            NewUser("agent2001", "孙悦", "s3cret-pass", Role.AGENT_JUNIOR, "lanzhou", "agent-2001"),
            datetime.now(UTC),
        )
        await call_answered(
            db, uniqueid="1700000100.1", agent_id="agent-2001", prefecture="lanzhou", skill="complaint",
            waited_s=3.0, now=datetime.now(UTC),
        )  # fmt: skip
        await db.commit()
    login = {"username": "agent2001", "password": "s3cret-pass"}
    assert (await api.client.post("/api/session", json=login)).status == 200
    await api.acd.login("agent-2001")

    status, retired = await api.call("POST", "/api/agents/agent-2001/retire", "sup.lanzhou")
    assert status == 200 and retired["retired"] is True
    with pytest.raises(UnknownAgent):  # signed out and out of the running ACD
        await api.acd.agent("agent-2001")
    r = await api.client.post("/api/session", json=login)
    assert r.status == 401 and (await r.json())["error_id"] == "auth-bad-credentials"
    async with api.sessions() as db:  # their history stays
        calls = (
            (await db.execute(select(AgentCall).where(AgentCall.agent_id == "agent-2001"))).scalars().all()
        )
        assert [c.uniqueid for c in calls] == ["1700000100.1"]
    _, listed = await api.call("GET", "/api/agents", "sup.lanzhou")
    assert "agent-2001" not in [a["agent_id"] for a in listed["agents"]]
    _, everyone = await api.call("GET", "/api/agents?retired=yes", "sup.lanzhou")
    assert [a["retired"] for a in everyone["agents"] if a["agent_id"] == "agent-2001"] == [True]
    status, error = await api.call("PATCH", "/api/agents/agent-2001", "sup.lanzhou", {"name": "x"})
    assert (status, error["error_id"]) == (409, "conflict")
    status, error = await api.call("POST", "/api/agents/agent-2001/retire", "sup.lanzhou")
    assert (status, error["error_id"]) == (409, "conflict")


async def test_the_directory_refuses_what_is_wrong_or_out_of_scope(api: ApiEnv) -> None:
    status, error = await api.call("POST", "/api/agents", "sup.lanzhou", {**NEW, "prefecture": "tianshui"})
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, error = await api.call("POST", "/api/agents", "sup.lanzhou", {**NEW, "agent_id": "agent-1001"})
    assert (status, error["error_id"]) == (409, "conflict") and "exists" in error["message"]
    status, error = await api.call("POST", "/api/agents", "sup.lanzhou", {**NEW, "extension": "1002"})
    assert status == 409 and "extension 1002 belongs to agent-1002" in error["message"]
    twice = {**NEW, "skills": [{"name": "billing"}, {"name": "billing"}]}
    assert (await api.call("POST", "/api/agents", "sup.lanzhou", twice))[0] == 400
    assert (await api.call("POST", "/api/agents", "admin", {**NEW, "prefecture": "atlantis"}))[0] == 400
    assert (await api.call("POST", "/api/agents", "sup.lanzhou", {**NEW, "languages": []}))[0] == 400
    status, error = await api.call("PATCH", "/api/agents/agent-1004", "sup.lanzhou", {"name": "x"})
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")  # a Tianshui agent
    status, error = await api.call(
        "PATCH", "/api/agents/agent-1001", "sup.lanzhou", {"prefecture": "tianshui"}
    )
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")  # moved out of my scope
    status, error = await api.call("PATCH", "/api/agents/agent-9999", "admin", {"name": "x"})
    assert status == 404
    status, moved = await api.call(
        "PATCH", "/api/agents/agent-1001", "sup.province", {"prefecture": "tianshui"}
    )
    assert status == 200 and (await api.acd.agent("agent-1001")).prefecture == "tianshui"
    assert moved["prefecture"] == "tianshui"


async def test_an_agent_on_a_call_is_retired_only_after_it(api: ApiEnv) -> None:
    await api.acd.login("agent-1002")
    await api.acd.enqueue(
        "1700000200.1", SkillRequirement("fault"), "normal", "lanzhou", caller_number="1380"
    )
    assert (await api.acd.status("agent-1002")).state.value == "reserved"
    status, error = await api.call("POST", "/api/agents/agent-1002/retire", "sup.lanzhou")
    assert (status, error["error_id"]) == (409, "agent-busy")
    assert (await api.acd.agent("agent-1002")).id == "agent-1002"  # nothing changed
    _, listed = await api.call("GET", "/api/agents", "sup.lanzhou")
    assert [a["retired"] for a in listed["agents"] if a["agent_id"] == "agent-1002"] == [False]
