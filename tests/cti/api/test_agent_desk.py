"""An agent's desk over HTTP and the WebSocket: sign in at an extension, the screen pop when a call
is offered, state changes, wrap-up with a disposition, statistics, pauses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import ClientWebSocketResponse
from sqlalchemy import update

from acd.model import SkillRequirement
from storage.users import User

from .conftest import ApiEnv


async def open_feed(api: ApiEnv, user: str) -> ClientWebSocketResponse:
    ws = await api.client.ws_connect("/api/ws")
    await ws.send_str(json.dumps({"type": "auth", "token": await api.token(user)}))
    hello = await ws.receive_json(timeout=5)
    assert hello["type"] == "hello"
    return ws


async def next_of(
    ws: ClientWebSocketResponse,
    kind: str,
    within_s: float = 5.0,
    where: Callable[[dict[str, Any]], bool] = lambda data: True,
) -> dict[str, Any]:
    """The next message of ``kind`` (whose data satisfies ``where``), skipping the others."""
    async with asyncio.timeout(within_s):
        while True:
            frame = await ws.receive_json()
            for message in frame if isinstance(frame, list) else [frame]:  # a busy moment: a batch
                if message["type"] == kind and where(message["data"]):
                    data: dict[str, Any] = message["data"]
                    return data


async def test_sign_in_screen_pop_call_wrap_up_and_statistics(api: ApiEnv) -> None:
    status, state = await api.call("POST", "/api/agent/login", "agent1001", {"extension": "1001"})
    assert status == 200 and state["state"] == "available" and state["agent_id"] == "agent-1001"
    ws = await open_feed(api, "agent1001")
    first = await next_of(ws, "agent.state")
    assert first["state"] == "available"

    await api.acd.enqueue(
        "1700000000.5", SkillRequirement("billing"), "normal", "tianshui", caller_number="13800000002"
    )
    api.acd_clock.advance(31)  # no Tianshui agent: after 30 s any prefecture's agent may take it
    await api.acd.tick()
    pop = await next_of(ws, "call.offered")
    assert pop["uniqueid"] == "1700000000.5" and pop["caller_number"] == "13800000002"
    assert pop["customer"]["name"] == "李娜" and pop["customer"]["segment"] == "normal"
    assert [t["number"] for t in pop["tickets"]] == ["00000018"]
    assert pop["skill"] == "billing" and 31 <= pop["wait_s"] < 32
    assert (await api.call("GET", "/api/agent", "agent1001"))[1]["state"] == "reserved"

    assert await api.acd.agent_answered("1700000000.5", "agent-1001")
    assert (await next_of(ws, "call.answered"))["uniqueid"] == "1700000000.5"
    # the caller's ticket is in scope for this Lanzhou agent while the Tianshui caller is on the line
    status, ticket = await api.call("GET", "/api/tickets/00000018", "agent1001")
    assert status == 200, ticket
    assert await api.acd.call_hung_up("1700000000.5")
    ended = await next_of(ws, "call.ended")
    assert ended["outcome"] == "ended"
    status, error = await api.call("GET", "/api/tickets/00000018", "agent1001")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    assert (await api.call("GET", "/api/agent", "agent1001"))[1]["state"] == "wrap_up"

    await asyncio.sleep(0.05)  # the call log is written by a background worker
    status, state = await api.call(
        "POST",
        "/api/agent/wrapup",
        "agent1001",
        {"disposition": "ticket_dispatched", "ticket_number": "00000018"},
    )
    assert status == 200, state
    assert state["state"] == "available" and state["wrapped_up"]["disposition"] == "ticket_dispatched"
    _, stats = await api.call("GET", "/api/agent/stats", "agent1001")
    assert stats["calls"] == 1 and stats["dispositions"]["ticket_dispatched"] == 1
    assert stats["outcomes"] == {"ended": 1} and stats["state"] == "available"
    await ws.close()


async def test_pause_unpause_logout_and_extension_rules(api: ApiEnv) -> None:
    status, error = await api.call("POST", "/api/agent/pause", "agent1002", {"reason": "lunch"})
    assert (status, error["error_id"]) == (409, "acd-illegal-transition")  # not signed in yet
    status, error = await api.call("POST", "/api/agent/login", "agent1002", {"extension": "1001"})
    assert (status, error["error_id"]) == (409, "conflict")  # agent-1001's phone
    status, _ = await api.call("POST", "/api/agent/login", "agent1002", {"extension": "2002"})  # a hot desk
    assert status == 200
    assert (await api.acd.agent("agent-1002")).extension == "2002"
    _, state = await api.call("POST", "/api/agent/pause", "agent1002", {"reason": "lunch"})
    assert state["state"] == "paused" and state["reason"] == "lunch"
    status, error = await api.call("POST", "/api/agent/pause", "agent1002", {"reason": "Lunch Break"})
    assert status == 400 and error["details"]["problems"][0]["field"] == "reason"
    _, state = await api.call("POST", "/api/agent/unpause", "agent1002")
    assert state["state"] == "available"
    _, state = await api.call("POST", "/api/agent/logout", "agent1002")
    assert state["state"] == "logged_out"
    status, error = await api.call("POST", "/api/agent/wrapup", "agent1002", {"disposition": "resolved"})
    assert (status, error["error_id"]) == (409, "conflict")  # no call to wrap up


async def test_users_who_are_not_agents_have_no_desk(api: ApiEnv) -> None:
    status, error = await api.call("GET", "/api/agent", "sup.lanzhou")
    assert (status, error["error_id"]) == (403, "auth-forbidden")


async def test_an_agent_account_that_names_no_acd_agent_is_refused_not_a_500(api: ApiEnv) -> None:
    """A users row with an agent's role but no agent id (edited in the database): the routes on the
    user's own call answer 403 ``auth-forbidden``, as the desk routes do, instead of failing."""
    async with api.sessions() as db:
        await db.execute(update(User).where(User.username == "agent1003").values(agent_id=None))
        await db.commit()
    for method, path, body in [
        ("GET", "/api/agent", None),
        ("GET", "/api/agent/call", None),
        ("POST", "/api/agent/call/hold", None),
        ("POST", "/api/agent/call/transfer", {"target": "senior"}),
        ("POST", "/api/agent/call/consult", {"agent_id": "agent-1001"}),
    ]:
        status, error = await api.call(method, path, "agent1003", body)
        assert (status, error["error_id"]) == (403, "auth-forbidden"), path


async def test_the_websocket_wants_a_token_first(api: ApiEnv) -> None:
    ws = await api.client.ws_connect("/api/ws")
    await ws.send_str(json.dumps({"type": "auth", "token": "forged.token.here"}))
    error = await ws.receive_json(timeout=5)
    assert error == {"type": "error", "data": {"error_id": "auth-token-invalid"}}
    closing = await ws.receive(timeout=5)
    assert ws.closed or closing.type.name in ("CLOSE", "CLOSED")
    assert ws.close_code == 4401


async def test_supervisors_get_the_floor_and_the_wallboard_live(api: ApiEnv) -> None:
    ws = await open_feed(api, "sup.lanzhou")
    board = await next_of(ws, "wallboard")
    assert (
        board["scope"] == "lanzhou" and board["total"] is None and list(board["prefectures"]) == ["lanzhou"]
    )
    await api.acd.login("agent-1004")  # tianshui: not on this floor
    await api.acd.login("agent-1001")
    agent = await next_of(ws, "floor.agent")
    assert agent["agent_id"] == "agent-1001" and agent["state"] == "available"
    await api.acd.enqueue("1700000001.1", SkillRequirement("billing"), "vip", "lanzhou", caller_number="139")
    board = await next_of(
        ws, "wallboard", where=lambda b: b["prefectures"]["lanzhou"]["agents"]["reserved"] == 1
    )
    assert board["queues"]["billing"]["waiting"] == 1 and board["prefectures"]["lanzhou"]["waiting"] == 1
    status, figures = await api.call("GET", "/api/wallboard", "sup.province")
    assert status == 200 and figures["total"]["agents"]["available"] == 1
    await ws.close()
