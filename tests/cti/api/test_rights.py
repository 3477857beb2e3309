"""Every route, every role: the API refuses whatever the role may not do, and what is outside the
user's prefecture or not their own call."""

from __future__ import annotations

import re

import pytest

from cti.access.roles import GRANTS
from cti.api.app import PUBLIC_ROUTES, ROUTES
from storage.users import Role

from .conftest import ApiEnv

# one demo user per role
USERS: dict[Role, str] = {
    Role.AGENT_JUNIOR: "agent1001",
    Role.AGENT_SENIOR: "agent1003",
    Role.MANAGER: "manager1006",
    Role.QA_PREFECTURE: "qa.lanzhou",
    Role.QA_PROVINCE: "qa.province",
    Role.SUPERVISOR: "sup.lanzhou",
    Role.ADMIN: "admin",
    Role.DEPARTMENT: "dept.lanzhou",
    Role.STATISTICIAN: "stat.lanzhou",
    Role.RECORDS: "records.lanzhou",
}
PARAMS = {
    "number": "00000018",
    "agent_id": "agent-1002",
    "session_id": "1",
    "recording_id": "1",
    "name": "traffic",
    "key": "lost_phone_suspend",
    "callback_id": "1",
    "campaign_id": "callback-survey",
    "score_id": "S20240610-00000000",
    "circular_id": "C20240610-000000",
}


def _path(template: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: PARAMS[m.group(1)], template)


def test_every_route_names_a_permission_and_every_role_is_tested() -> None:
    assert set(USERS) == set(Role)
    names = [r.name for r in ROUTES] + [p.name for p in PUBLIC_ROUTES]
    assert len(names) == len(set(names))
    public = {(p.method, p.path) for p in PUBLIC_ROUTES}
    assert public == {
        ("POST", "/api/session"),
        ("GET", "/"),
        ("GET", "/agent"),
        ("GET", "/wallboard"),
        ("GET", "/qa"),
        ("GET", "/floor"),
        ("GET", "/reports"),
        ("GET", "/knowledge"),
        ("GET", "/static/vendor/{name}"),
        ("GET", "/static/{name}"),
        ("GET", "/api/openapi.json"),
        ("GET", "/metrics"),
        ("GET", "/health"),  # for load balancers: says what is down, nothing else
        ("GET", "/api/ws"),
        ("GET", "/api/recordings/media/{key}"),  # a short-lived link that is its own authorisation
    }


async def test_every_route_with_every_role(api: ApiEnv) -> None:
    checked = 0
    for route in ROUTES:
        path = _path(route.path)
        body: dict[str, object] | None = {} if route.body is not None else None
        status, error = await api.call(route.method, path, body=body)
        assert (status, error["error_id"]) == (401, "auth-required"), (route.name, status, error)
        for role, user in USERS.items():
            status, answer = await api.call(route.method, path, user, body=body)
            if route.name == "session.logout":
                api.tokens.pop(user)  # signed out: sign in again for the next route
            if role in GRANTS[route.permission]:
                assert status not in (401, 405), (route.name, role, status, answer)
                if status == 403:  # let through by role, then stopped by scope: say which
                    assert answer["error_id"] in ("auth-out-of-scope", "call-not-yours"), (route.name, role)
            else:
                assert status == 403, (route.name, role, status, answer)
                assert answer["error_id"] == "auth-forbidden", (route.name, role, answer)
            checked += 1
    assert checked == len(ROUTES) * len(USERS)


async def test_unknown_api_paths_and_methods_are_json_errors(api: ApiEnv) -> None:
    status, error = await api.call("GET", "/api/nothing-here", "admin")
    assert (status, error["error_id"]) == (404, "not-found")
    status, error = await api.call("PUT", "/api/me", "admin")
    assert (status, error["error_id"]) == (405, "method-not-allowed")


@pytest.mark.parametrize(
    ("user", "agent", "expected"),
    [
        ("sup.lanzhou", "agent-1001", 200),
        ("sup.lanzhou", "agent-1004", 403),  # tianshui
        ("sup.province", "agent-1004", 200),
        ("admin", "agent-1009", 200),
    ],
)
async def test_supervisors_act_on_their_prefectures_agents(
    api: ApiEnv, user: str, agent: str, expected: int
) -> None:
    await api.acd.login(agent)
    status, answer = await api.call("POST", f"/api/agents/{agent}/pause", user, {"reason": "meeting"})
    assert status == expected, answer
    if expected == 403:
        assert answer["error_id"] == "auth-out-of-scope"
        assert (await api.acd.status(agent)).state.value == "available"
    else:
        assert answer["state"] == "paused" and answer["reason"] == "forced-meeting"


async def test_the_floor_shows_only_the_users_prefecture(api: ApiEnv) -> None:
    _, lanzhou = await api.call("GET", "/api/floor", "sup.lanzhou")
    assert {a["prefecture"] for a in lanzhou["agents"]} == {"lanzhou"}
    _, province = await api.call("GET", "/api/floor", "sup.province")
    assert {"lanzhou", "tianshui", "jiuquan", "province"} <= {a["prefecture"] for a in province["agents"]}


async def test_a_prefecture_qa_cannot_monitor_another_prefectures_agent(api: ApiEnv) -> None:
    status, error = await api.call("POST", "/api/qa/monitor", "qa.lanzhou", {"agent_id": "agent-1004"})
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    # in scope, the request gets as far as the call (there is none)
    status, error = await api.call("POST", "/api/qa/monitor", "qa.lanzhou", {"agent_id": "agent-1001"})
    assert (status, error["error_id"]) == (409, "call-none")
    status, error = await api.call("POST", "/api/qa/monitor", "qa.province", {"agent_id": "agent-1004"})
    assert (status, error["error_id"]) == (409, "call-none")


async def test_tickets_of_another_prefecture_are_out_of_scope(api: ApiEnv) -> None:
    status, error = await api.call("GET", "/api/tickets/00000026", "agent1001")  # jiuquan's ticket
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, ticket = await api.call(
        "GET", "/api/tickets/00000018", "agent1004"
    )  # tianshui's, a tianshui agent
    assert status == 200 and ticket["prefecture"] == "tianshui"
    _, listed = await api.call("GET", "/api/tickets", "agent1001")
    assert all(t["prefecture"] == "lanzhou" for t in listed["tickets"])
    _, everything = await api.call("GET", "/api/tickets", "qa.province")
    assert {t["number"] for t in everything["tickets"]} >= {"00000018", "00000026"}


async def test_a_supervisor_reassigns_skills_in_scope(api: ApiEnv) -> None:
    body = {"skills": [{"name": "complaint", "proficiency": 4}, {"name": "general"}]}
    status, answer = await api.call("PUT", "/api/agents/agent-1002/skills", "sup.lanzhou", body)
    assert status == 200, answer
    assert answer["skills"] == [
        {"name": "complaint", "proficiency": 4},
        {"name": "general", "proficiency": 3},
    ]
    agent = await api.acd.agent("agent-1002")
    assert [s.name for s in agent.skills] == ["complaint", "general"]
    status, error = await api.call("PUT", "/api/agents/agent-1004/skills", "sup.lanzhou", body)
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    twice = {"skills": [{"name": "general"}, {"name": "general"}]}
    status, _ = await api.call("PUT", "/api/agents/agent-1002/skills", "sup.lanzhou", twice)
    assert status == 400
