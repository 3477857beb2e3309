"""Tickets from the agent's screen: open, update, dispatch, chase, return, close; every step in the
history; closing after a dispatch is a senior's second review."""

from __future__ import annotations

from .conftest import ApiEnv


async def test_a_ticket_through_its_life(api: ApiEnv) -> None:
    status, ticket = await api.call(
        "POST",
        "/api/tickets",
        "agent1001",
        {
            "kind": "complaint",
            "category": "billing_dispute",
            "subcategory": "usage",
            "caller_number": "13800000001",
            "description": "流量计费有误",
        },
    )
    assert status == 201, ticket
    number = ticket["number"]
    assert ticket["prefecture"] == "lanzhou" and ticket["status"] == "accepted" and ticket["due_at"]
    path = f"/api/tickets/{number}"
    status, ticket = await api.call(
        "PATCH", path, "agent1001", {"severity": "serious", "note": "customer upset"}
    )
    assert status == 200 and ticket["severity"] == "serious"
    status, ticket = await api.call(
        "POST", path + "/dispatch", "agent1001", {"department": "lanzhou.billing"}
    )
    assert (status, ticket["status"]) == (200, "dispatched")
    status, ticket = await api.call("POST", path + "/chase", "agent1001", {"note": "no answer in 4 h"})
    assert (status, ticket["status"]) == (200, "dispatched")
    status, ticket = await api.call("POST", path + "/return", "agent1001", {"note": "wrong department"})
    assert (status, ticket["status"]) == (200, "returned")
    status, error = await api.call("POST", path + "/chase", "agent1001", {"note": "again"})
    assert (status, error["error_id"]) == (409, "conflict")
    status, error = await api.call("POST", path + "/close", "agent1001", {"resolution": "done"})
    assert (status, error["error_id"]) == (403, "auth-forbidden")  # a junior does not close after dispatch
    status, _ = await api.call(
        "POST", path + "/dispatch", "agent1003", {"department": "lanzhou.network", "note": "2nd"}
    )
    assert status == 200
    status, error = await api.call("POST", path + "/close", "agent1003", {"resolution": ""})
    assert status == 400
    status, ticket = await api.call("POST", path + "/close", "agent1003", {"resolution": "refund of 12 yuan"})
    assert (status, ticket["status"]) == (200, "closed") and ticket["closed_at"]
    status, error = await api.call("POST", path + "/return", "agent1003", {})
    assert (status, error["error_id"]) == (409, "ticket-illegal-move")

    _, full = await api.call("GET", path, "qa.lanzhou")  # QA may read it
    steps = [(h["action"], h["to_status"]) for h in full["history"]]
    assert steps == [
        ("accept", "accepted"),
        ("note", "accepted"),
        ("dispatch", "dispatched"),
        ("chase", "dispatched"),
        ("return", "returned"),
        ("dispatch", "dispatched"),
        ("reply", "replied"),
        ("close", "closed"),
    ]
    assert all(h["actor"].startswith("user-") for h in full["history"])
    assert full["history"][2]["note"] == "lanzhou.billing"
    status, error = await api.call("POST", path + "/chase", "qa.lanzhou", {"note": "x"})
    assert (status, error["error_id"]) == (403, "auth-forbidden")  # QA reads, does not write


async def test_a_junior_closes_what_was_answered_on_the_spot(api: ApiEnv) -> None:
    _, ticket = await api.call(
        "POST", "/api/tickets", "agent1001", {"kind": "suggestion", "caller_number": "09318123456"}
    )
    status, closed = await api.call(
        "POST", f"/api/tickets/{ticket['number']}/close", "agent1001", {"resolution": "explained the tariff"}
    )
    assert (status, closed["status"]) == (200, "closed")


async def test_bad_requests_about_tickets(api: ApiEnv) -> None:
    status, error = await api.call("POST", "/api/tickets", "agent1001", {"kind": "complaint"})
    assert status == 400 and "current call" in error["message"]  # no number, no call to take it from
    status, error = await api.call(
        "POST",
        "/api/tickets",
        "agent1001",
        {"kind": "fault", "category": "nonsense", "caller_number": "09318123456"},
    )
    assert status == 400 and "category" in error["message"]
    status, error = await api.call(
        "POST", "/api/tickets", "agent1001", {"kind": "fault", "caller_number": "13800000003"}
    )
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")  # a Jiuquan customer
    for bad in ("abc", "99999999", "0" * 40):
        status, _ = await api.call("GET", f"/api/tickets/{bad}", "admin")
        assert status == 404
    status, error = await api.call("GET", "/api/tickets?status=bogus", "admin")
    assert status == 400
    status, listed = await api.call("GET", "/api/tickets?status=open&limit=5", "admin")
    assert status == 200 and all(t["status"] != "closed" for t in listed["tickets"])
