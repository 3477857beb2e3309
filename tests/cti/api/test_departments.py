"""Departments over the API: the desk dispatches to a department of the directory; the ticket waits
in that department's queue; the department (role ``department``) takes it and returns it (退单),
and it comes back to the desk (status ``returned``, the owner told over the WebSocket); re-dispatched,
it is answered, the customer is replied to (回复, channel and time) and a senior closes it."""

from __future__ import annotations

from typing import Any

from .conftest import ApiEnv
from .test_agent_desk import next_of, open_feed

COMPLAINT = {
    "kind": "complaint",
    "category": "billing_dispute",
    "subcategory": "usage",
    "caller_number": "13800000001",  # a Lanzhou customer
    "description": "流量计费有误",
}


async def new_ticket(api: ApiEnv, user: str = "agent1001") -> str:
    status, ticket = await api.call("POST", "/api/tickets", user, COMPLAINT)
    assert status == 201, ticket
    return str(ticket["number"])


async def queue_of(api: ApiEnv, user: str) -> list[str]:
    status, queue = await api.call("GET", "/api/department/queue", user)
    assert status == 200, queue
    return [t["number"] for t in queue["tickets"]]


async def test_a_department_returns_a_ticket_and_it_comes_back_to_the_desk(api: ApiEnv) -> None:
    number = await new_ticket(api)
    path = f"/api/tickets/{number}"
    owner = await open_feed(api, "agent1001")
    status, ticket = await api.call(
        "POST", path + "/dispatch", "agent1001", {"department": "lanzhou.billing"}
    )
    assert (status, ticket["status"]) == (200, "dispatched")

    assert await queue_of(api, "dept.lanzhou") == [number]
    assert number not in await queue_of(api, "dept.tianshui")
    status, error = await api.call("GET", f"/api/department/tickets/{number}", "dept.tianshui")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, error = await api.call("POST", f"/api/department/tickets/{number}/take", "dept.tianshui")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")

    status, taken = await api.call("POST", f"/api/department/tickets/{number}/take", "dept.lanzhou")
    assert status == 200 and taken["status"] == "in_progress" and taken["dispatch"]["state"] == "taken"
    status, error = await api.call("POST", f"/api/department/tickets/{number}/take", "dept.lanzhou")
    assert (status, error["error_id"]) == (409, "conflict")  # taken already
    reason = {"reason": "不属营帐范围, 应由网络部处理"}
    status, returned = await api.call(
        "POST", f"/api/department/tickets/{number}/return", "dept.lanzhou", reason
    )
    assert status == 200 and returned["status"] == "returned"
    assert (
        returned["dispatch"]["state"] == "returned"
        and returned["dispatch"]["return_reason"] == reason["reason"]
    )

    # back at the desk: told over the WebSocket, listed among the returned tickets, out of the queue
    news = await next_of(owner, "ticket.returned")
    assert news == {
        "ticket_number": number,
        "department": "lanzhou.billing",
        "event": "return",
        "text": reason["reason"],
    }
    await owner.close()
    _, returned_list = await api.call("GET", "/api/tickets?status=returned", "agent1001")
    assert number in [t["number"] for t in returned_list["tickets"]]
    assert number not in await queue_of(api, "dept.lanzhou")
    status, error = await api.call("POST", path + "/chase", "agent1001", {"note": "x"})
    assert (status, error["error_id"]) == (409, "conflict")  # nothing to chase

    # re-dispatched to the network department, answered there, replied to the customer
    status, _ = await api.call("POST", path + "/dispatch", "agent1001", {"department": "lanzhou.network"})
    assert status == 200
    status, error = await api.call("POST", path + "/dispatch", "agent1001", {"department": "lanzhou.billing"})
    assert (status, error["error_id"]) == (409, "conflict")  # it waits at the network department
    answer = {"text": "已核实流量记录, 退还 12 元"}
    status, error = await api.call("POST", f"/api/department/tickets/{number}/answer", "dept.lanzhou", answer)
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")  # not billing's any more
    status, answered = await _as_network(api, number, answer)
    assert (
        status == 200
        and answered["status"] == "dispatched"
        and answered["dispatch"]["answer"] == answer["text"]
    )

    attempt = {"channel": "phone", "summary": "无人接听", "reached": False}
    status, replied = await api.call("POST", path + "/reply", "agent1001", attempt)
    assert status == 200 and replied["status"] == "dispatched"  # an attempt changes nothing
    reply = {"channel": "sms", "summary": "已退还 12 元话费"}
    status, replied = await api.call("POST", path + "/reply", "agent1001", reply)
    assert status == 200 and replied["status"] == "replied" and replied["reply"]["channel"] == "sms"
    status, closed = await api.call("POST", path + "/close", "agent1003", {"resolution": "退费 12 元"})
    assert (status, closed["status"]) == (200, "closed")
    status, error = await api.call("POST", path + "/reply", "agent1001", reply)
    assert (status, error["error_id"]) == (409, "conflict")  # closed: nothing left to reply

    _, full = await api.call("GET", path, "agent1001")
    assert [(h["action"], h["to_status"]) for h in full["history"]] == [
        ("accept", "accepted"),
        ("dispatch", "dispatched"),
        ("start", "in_progress"),
        ("return", "returned"),
        ("dispatch", "dispatched"),
        ("answer", "dispatched"),
        ("reply", "replied"),
        ("close", "closed"),
    ]
    assert full["history"][3]["note"] == f"lanzhou.billing: {reason['reason']}"
    assert [(r["channel"], r["reached"], r["summary"]) for r in full["replies"]] == [
        ("phone", False, "无人接听"),
        ("sms", True, "已退还 12 元话费"),
    ]
    assert all(r["at"] and r["by"].startswith("user-") for r in full["replies"])
    assert full["dispatch"]["department"] == "lanzhou.network" and full["dispatch"]["state"] == "answered"


async def _as_network(api: ApiEnv, number: str, answer: dict[str, str]) -> tuple[int, Any]:
    """The network department's user, added the way an operator would (storage.users.create_user)."""
    from datetime import UTC, datetime

    from storage.users import NewUser, Role, create_user

    async with api.sessions() as db:
        await create_user(
            db,
            NewUser(
                "dept.lz.net",
                "网络部",
                "s3cret-pass",
                Role.DEPARTMENT,
                "lanzhou",
                department="lanzhou.network",
            ),
            datetime.now(UTC),
        )
        await db.commit()
    r = await api.client.post("/api/session", json={"username": "dept.lz.net", "password": "s3cret-pass"})
    session = await r.json()
    assert session["user"]["department"] == "lanzhou.network"
    return await api.call(
        "POST", f"/api/department/tickets/{number}/answer", body=answer, token=session["token"]
    )


async def test_dispatching_names_a_department_that_takes_the_tickets_prefecture(api: ApiEnv) -> None:
    number = await new_ticket(api)
    path = f"/api/tickets/{number}/dispatch"
    status, error = await api.call("POST", path, "agent1001", {"department": "billing-centre"})
    assert status == 400 and "no department" in error["message"]
    status, error = await api.call("POST", path, "agent1001", {"department": "tianshui.radio"})
    assert status == 400 and "cannot go to tianshui.radio" in error["message"]
    status, ticket = await api.call("POST", path, "agent1001", {"department": "province.monitoring"})
    assert (status, ticket["status"]) == (200, "dispatched")  # a provincial department takes it

    _, listed = await api.call("GET", "/api/departments", "agent1001")
    codes = [d["code"] for d in listed["departments"]]
    assert "lanzhou.billing" in codes and "province.monitoring" in codes and "tianshui.radio" not in codes
    status, error = await api.call("GET", "/api/departments?prefecture=tianshui", "agent1001")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, every = await api.call("GET", "/api/departments", "sup.province")
    assert status == 200 and len(every["departments"]) == 14 * 8 + 1


async def test_a_department_users_bad_requests(api: ApiEnv) -> None:
    number = await new_ticket(api)
    await api.call("POST", f"/api/tickets/{number}/dispatch", "agent1001", {"department": "lanzhou.billing"})
    d = f"/api/department/tickets/{number}"
    status, _ = await api.call("POST", d + "/return", "dept.lanzhou", {"reason": ""})
    assert status == 400  # a return says why
    status, _ = await api.call("POST", d + "/answer", "dept.lanzhou", {"text": "   "})
    assert status == 400  # an answer says something
    status, _ = await api.call("GET", "/api/department/tickets/99999999", "dept.lanzhou")
    assert status == 404
    status, seen = await api.call("GET", d, "dept.lanzhou")
    assert status == 200 and [x["state"] for x in seen["dispatches"]] == ["queued"]
    status, error = await api.call("GET", "/api/department/queue", "agent1001")
    assert (status, error["error_id"]) == (403, "auth-forbidden")


async def test_a_ticket_sent_elsewhere_leaves_the_first_departments_queue(api: ApiEnv) -> None:
    """Replied before billing answered, then dispatched again (the customer was not satisfied) to
    the network department: billing's queue no longer shows it."""
    number = await new_ticket(api)
    path = f"/api/tickets/{number}"
    await api.call("POST", path + "/dispatch", "agent1001", {"department": "lanzhou.billing"})
    reply = {"channel": "phone", "summary": "已解释计费规则"}
    status, replied = await api.call("POST", path + "/reply", "agent1001", reply)
    assert (status, replied["status"]) == (200, "replied")
    status, again = await api.call("POST", path + "/dispatch", "agent1003", {"department": "lanzhou.network"})
    assert (status, again["status"]) == (200, "dispatched")
    assert number not in await queue_of(api, "dept.lanzhou")
    status, error = await api.call("POST", f"/api/department/tickets/{number}/take", "dept.lanzhou")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
