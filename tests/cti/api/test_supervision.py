"""Workflow monitoring as the supervisor's page and the wallboard see it: the overdue list and the
alerts, each in the user's scope, over HTTP and over the WebSocket (a supervisor's floor, the
manager hotline's escalations, a department's chases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import ClientWebSocketResponse
from prometheus_client import CollectorRegistry

from acd.clock import ManualClock
from cti.access.roles import Principal
from cti.api.keys import HUB
from cti.api.websocket import topics_for
from storage.ticket_lifecycle import TicketActionKind, TicketKind, TicketStatus
from storage.tickets import NewTicket, move_ticket, open_ticket
from storage.users import NewUser, Role, create_user
from workflow.dispatch import dispatch_ticket
from workflow.dispatch_records import new_row
from workflow.metrics import WorkflowMetrics
from workflow.node import sync_departments
from workflow.policy import MonitoringPolicy
from workflow.watch import WorkflowWatch

from .conftest import ApiEnv
from .test_agent_desk import next_of, open_feed


async def late_tickets(api: ApiEnv, now: datetime) -> dict[str, str]:
    """A Lanzhou fault due 2 h ago, dispatched to Lanzhou's radio room; a Tianshui complaint due
    30 min ago, at the desk.  Returns their numbers by prefecture."""
    directory = await sync_departments(api.sessions)
    async with api.sessions() as db:
        fault = await open_ticket(
            db,
            NewTicket(TicketKind.FAULT, "lanzhou", "13800000001", "agent", "no_signal", actor="user-1"),
            now - timedelta(hours=27, minutes=20),  # no_signal: 1 h + 24 h + 20 min to reply
        )
        at = now - timedelta(hours=27)
        await move_ticket(db, fault, TicketStatus.DISPATCHED, TicketActionKind.DISPATCH, "user-1", at)
        assert fault.number is not None
        dispatch = dispatch_ticket(
            fault.number, directory.get("lanzhou.radio"), ticket_prefecture="lanzhou", by="user-1", now=at,
            due_at=fault.due_at,
        )  # fmt: skip
        db.add(new_row(fault.id, dispatch))
        complaint = await open_ticket(
            db,
            NewTicket(TicketKind.COMPLAINT, "tianshui", "13800000002", "agent", "billing_dispute", "usage"),
            now - timedelta(hours=24, minutes=30),
        )
        await db.commit()
        numbers = {"lanzhou": str(fault.number), "tianshui": str(complaint.number)}
    return numbers


def watch_of(api: ApiEnv, clock: ManualClock) -> WorkflowWatch:
    """The monitoring job of the API's node: its alerts go out through the app's hub."""
    hub = api.client.server.app[HUB]
    return WorkflowWatch(
        api.sessions, hub, MonitoringPolicy(), clock, WorkflowMetrics(CollectorRegistry()), node="t"
    )


async def test_the_overdue_list_and_alerts_in_scope(api: ApiEnv) -> None:
    now = datetime.now(UTC)
    numbers = await late_tickets(api, now)
    supervisor = await open_feed(api, "sup.lanzhou")
    manager = await open_feed(api, "manager1006")
    tianshui_radio = await open_feed(api, "dept.tianshui")
    watch = watch_of(api, ManualClock(now.timestamp()))
    result = await watch.run_once()
    assert set(numbers.values()) <= set(result.marked)  # (the demo's two old tickets are late too)

    _, lanzhou = await api.call("GET", "/api/workflow/overdue", "sup.lanzhou")
    assert [(t["ticket_number"], t["escalated_to"], t["department"]) for t in lanzhou["tickets"]] == [
        (
            numbers["lanzhou"],
            "supervisor",
            "lanzhou.radio",
        )  # 2 h late: the supervisor has it, not yet the manager
    ]
    assert (
        lanzhou["tickets"][0]["department_zh"] == "无线室"
        and 7200 <= lanzhou["tickets"][0]["late_by_s"] < 7260
    )
    assert lanzhou["tickets"][0]["owner_name"] == "agent1001" and lanzhou["tickets"][0]["status"] == "overdue"
    _, province = await api.call("GET", "/api/workflow/overdue", "sup.province")
    mine = [t["ticket_number"] for t in province["tickets"] if t["ticket_number"] in numbers.values()]
    assert mine == [numbers["lanzhou"], numbers["tianshui"]]  # the latest first
    assert {"00000018", "00000026"} <= {t["ticket_number"] for t in province["tickets"]}  # the demo's
    status, _ = await api.call("GET", "/api/workflow/overdue", "qa.tianshui")
    assert status == 200

    _, alerts = await api.call("GET", "/api/workflow/alerts", "sup.lanzhou")
    assert {a["prefecture"] for a in alerts["alerts"]} == {"lanzhou"}
    assert {(a["kind"], a["target_role"]) for a in alerts["alerts"]} == {
        ("overdue", "owner"),
        ("overdue", "department"),
        ("escalation", "supervisor"),
        ("chase", "department"),
    }
    _, tianshui = await api.call("GET", "/api/workflow/alerts", "qa.tianshui")
    assert {a["prefecture"] for a in tianshui["alerts"]} == {"tianshui"}
    assert {
        (a["kind"], a["target_role"], a["target"])
        for a in tianshui["alerts"]
        if a["ticket_number"] == numbers["tianshui"]
    } == {("overdue", "supervisor", "tianshui")}  # nobody holds it: the supervisor is told
    overdue_zh = next(a for a in alerts["alerts"] if a["kind"] == "overdue" and a["target_role"] == "owner")
    assert (overdue_zh["kind_zh"], overdue_zh["target_zh"]) == ("超时", "agent1001")

    # over the WebSocket: the Lanzhou floor gets Lanzhou's alerts only, the radio room of Tianshui none
    seen = await next_of(supervisor, "alert", where=lambda d: d["kind"] == "escalation")
    assert seen["ticket_number"] == numbers["lanzhou"] and seen["target_role_en"] == "Supervisor"
    await supervisor.close()
    await manager.close()
    await tianshui_radio.close()


async def test_escalations_reach_the_manager_hotline_and_chases_the_department(api: ApiEnv) -> None:
    now = datetime.now(UTC)
    numbers = await late_tickets(api, now)
    manager = await open_feed(api, "manager1006")
    radio = await _department_feed(api)
    clock = ManualClock(now.timestamp())
    watch = watch_of(api, clock)
    await watch.run_once()
    clock.advance(3 * 3600)  # 5 h late: the manager hotline
    await watch.run_once()
    escalation = await next_of(manager, "alert", where=lambda d: d["ticket_number"] == numbers["lanzhou"])
    assert (escalation["ticket_number"], escalation["kind"], escalation["target_role"]) == (
        numbers["lanzhou"],
        "escalation",
        "manager_hotline",
    )
    chase = await next_of(radio, "alert", where=lambda d: d["kind"] == "chase")
    assert chase["target"] == "lanzhou.radio" and chase["target_zh"] == "无线室"
    await manager.close()
    await radio.close()


async def _department_feed(api: ApiEnv) -> ClientWebSocketResponse:
    """The live feed of a user of Lanzhou's radio room."""
    async with api.sessions() as db:
        clerk = NewUser(
            "radio.lz", "兰州无线室", "s3cret-pass", Role.DEPARTMENT, "lanzhou", department="lanzhou.radio"
        )
        await create_user(db, clerk, datetime.now(UTC))
        await db.commit()
    r = await api.client.post("/api/session", json={"username": "radio.lz", "password": "s3cret-pass"})
    api.tokens["radio.lz"] = (await r.json())["token"]
    return await open_feed(api, "radio.lz")


def test_websocket_topics_follow_the_role() -> None:
    manager = Principal(1, "m", Role.MANAGER, "lanzhou", "agent-1006")
    assert topics_for(manager) == ["user:1", "agent:agent-1006", "managers:lanzhou"]
    clerk = Principal(2, "d", Role.DEPARTMENT, "tianshui", department="tianshui.radio")
    assert topics_for(clerk) == ["user:2", "department:tianshui.radio"]
    supervisor = Principal(3, "s", Role.SUPERVISOR, "province")
    assert topics_for(supervisor) == ["user:3", "floor:province", "wallboard:province"]
