"""The monitoring job against a database (SQLite and PostgreSQL) on a simulated clock: a dispatched
complaint crosses its due time and is warned about, marked overdue, alerted, escalated to the
supervisor and then the manager hotline, and chased every 30 minutes (追单 in its history); every
alert is one row and one WebSocket message in scope; two nodes running the job at once raise each
alert exactly once and both deliver it to their own clients."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import workflow.watch as watch_module
from acd.clock import ManualClock
from acd.model import Agent, AgentLevel, Skill
from cti.notifier import Hub, Subscriber
from storage.agents import add_agent
from storage.departments import save_departments
from storage.prefectures import PREFECTURES
from storage.ticket_alerts import TicketAlert
from storage.ticket_dispatches import current_dispatches
from storage.ticket_lifecycle import TicketActionKind, TicketKind, TicketStatus
from storage.tickets import NewTicket, Ticket, move_ticket, open_ticket, ticket_history
from storage.users import NewUser, Role, create_user
from workflow.departments import load_departments
from workflow.dispatch import DispatchEvent, dispatch_ticket, transition
from workflow.dispatch_records import dispatch_of, new_row, save_transition
from workflow.facts import open_tickets
from workflow.metrics import WorkflowMetrics
from workflow.node import department_specs, running_workflow
from workflow.policy import MonitoringPolicy
from workflow.settings import WorkflowSettings
from workflow.watch import Round, WorkflowWatch

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=24)  # a billing dispute: 24 hours
DIRECTORY = load_departments([p.code for p in PREFECTURES])


@dataclass
class Setup:
    ticket_id: int
    number: str
    owner_id: int


async def setup(sessions: Sessions) -> Setup:
    """An agent's complaint opened at 00:00, dispatched to Lanzhou billing at 00:10."""
    async with sessions() as db:
        await save_departments(db, department_specs(DIRECTORY))
        await add_agent(
            db, Agent("agent-2001", "2001", "lanzhou", AgentLevel.JUNIOR, (Skill("complaint", 3),)), "小王"
        )
        user = await create_user(
            db, NewUser("agent2001", "小王", "s3cret-pass", Role.AGENT_JUNIOR, "lanzhou", "agent-2001"), T0
        )
        actor = f"user-{user.id}"
        new = NewTicket(
            TicketKind.COMPLAINT, "lanzhou", "13800000001", "agent", "billing_dispute", "usage", actor=actor
        )
        ticket = await open_ticket(db, new, T0)
        assert ticket.due_at == DUE and ticket.number is not None
        at = T0 + timedelta(minutes=10)
        await move_ticket(
            db, ticket, TicketStatus.DISPATCHED, TicketActionKind.DISPATCH, actor, at, "lanzhou.billing"
        )
        dispatch = dispatch_ticket(
            ticket.number,
            DIRECTORY.get("lanzhou.billing"),
            ticket_prefecture="lanzhou",
            by=actor,
            now=at,
            due_at=DUE,
        )
        db.add(new_row(ticket.id, dispatch))
        await db.commit()
        return Setup(ticket.id, ticket.number, user.id)


def watch_of(sessions: Sessions, clock: ManualClock, hub: Hub, node: str = "node-1") -> WorkflowWatch:
    return WorkflowWatch(
        sessions, hub, MonitoringPolicy(), clock, WorkflowMetrics(CollectorRegistry()), node=node
    )


async def drained(sub: Subscriber) -> list[dict[str, Any]]:
    out = []
    while sub.pending():
        out.append(json.loads(await sub.next()))
    return out


def at(hours: float, minutes: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes)


async def test_a_ticket_crosses_its_due_time_on_a_simulated_clock(db_sessions: Sessions) -> None:
    s = await setup(db_sessions)
    clock = ManualClock(T0.timestamp())
    hub = Hub(queue_size=10_000)
    owner = hub.subscribe([f"user:{s.owner_id}"])
    floor = hub.subscribe(["floor:lanzhou"])
    province = hub.subscribe(["floor:province"])
    department = hub.subscribe(["department:lanzhou.billing"])
    managers = hub.subscribe(["managers:lanzhou"])
    elsewhere = hub.subscribe(["floor:tianshui", "department:tianshui.billing", "managers:tianshui"])
    watch = watch_of(db_sessions, clock, hub)
    rounds: list[Round] = []
    end = at(29)  # five hours past the due time
    while (now := datetime.fromtimestamp(clock.now(), UTC)) <= end:
        rounds.append(await watch.run_once())
        clock.advance(600)  # a round every 10 simulated minutes
    assert now > end

    first = {
        (a.kind.value, a.target_role.value): r.at for r in rounds for a in r.raised if a.kind.value != "chase"
    }
    assert first == {
        ("due_soon", "owner"): DUE - timedelta(hours=2),  # raised in the round at 22:00
        ("overdue", "owner"): DUE,
        ("overdue", "department"): DUE,
        ("escalation", "supervisor"): DUE + timedelta(hours=1),
        ("escalation", "manager_hotline"): DUE + timedelta(hours=4),
    }
    marked = [(r.at, r.marked) for r in rounds if r.marked]
    assert marked == [(DUE, (s.number,))]
    chase_rounds = [r.at for r in rounds if r.chased]
    # every 30 minutes from the dispatch at 00:10: 00:40, 01:10 … 28:40 (day two, 04:40)
    assert chase_rounds[0] == at(0, 40) and chase_rounds[-1] == at(28, 40) and len(chase_rounds) == 57
    assert all(b - a == timedelta(minutes=30) for a, b in pairwise(chase_rounds))
    assert [r.overdue for r in rounds if r.at in (DUE - timedelta(minutes=10), DUE)] == [0, 1]

    async with db_sessions() as db:
        ticket = await db.get(Ticket, s.ticket_id)
        assert ticket is not None and ticket.status is TicketStatus.OVERDUE
        history = await ticket_history(db, s.ticket_id)
        marks = [h for h in history if h.action is TicketActionKind.MARK_OVERDUE]
        assert [(h.at, h.actor, h.from_status, h.to_status) for h in marks] == [
            (DUE, "workflow", TicketStatus.DISPATCHED, TicketStatus.OVERDUE)
        ]
        chases = [h for h in history if h.action is TicketActionKind.CHASE]
        assert len(chases) == 57 and {h.actor for h in chases} == {"workflow"}
        assert chases[0].note.startswith("追单 lanzhou.billing")
        rows = (await db.execute(select(TicketAlert).order_by(TicketAlert.id))).scalars().all()
        assert Counter(r.kind for r in rows) == {"chase": 57, "overdue": 2, "due_soon": 1, "escalation": 2}
        assert {r.raised_by for r in rows} == {"node-1"}

    # one WebSocket message per alert, in scope
    async def kinds(sub: Subscriber) -> Counter[tuple[str, str]]:
        messages = await drained(sub)
        assert {m["type"] for m in messages} <= {"alert"}
        return Counter((m["data"]["kind"], m["data"]["target_role"]) for m in messages)

    assert await kinds(owner) == {("due_soon", "owner"): 1, ("overdue", "owner"): 1}
    everything = {
        ("chase", "department"): 57,
        ("due_soon", "owner"): 1,
        ("overdue", "owner"): 1,
        ("overdue", "department"): 1,
        ("escalation", "supervisor"): 1,
        ("escalation", "manager_hotline"): 1,
    }
    assert await kinds(floor) == everything and await kinds(province) == everything
    assert await kinds(department) == {("chase", "department"): 57, ("overdue", "department"): 1}
    assert await kinds(managers) == {("escalation", "manager_hotline"): 1}
    assert await drained(elsewhere) == []


async def test_a_late_job_catches_up_with_one_alert_of_each(db_sessions: Sessions) -> None:
    """A node that was down all day raises each due alert once when it comes back, not one per
    missed round; a warning whose moment has passed with the due time is skipped."""
    s = await setup(db_sessions)
    clock = ManualClock(at(25, 5).timestamp())
    watch = watch_of(db_sessions, clock, Hub())
    first = await watch.run_once()
    assert sorted((a.kind.value, a.target_role.value, a.at) for a in first.raised) == [
        ("chase", "department", at(24, 40)),  # the latest 30-minute mark only
        ("escalation", "supervisor", DUE + timedelta(hours=1)),
        ("overdue", "department", DUE),
        ("overdue", "owner", DUE),
    ]
    assert first.marked == (s.number,)
    clock.advance(60)
    assert (await watch.run_once()).raised == ()


async def test_a_returned_ticket_is_no_longer_chased(db_sessions: Sessions) -> None:
    s = await setup(db_sessions)
    clock = ManualClock(at(1).timestamp())
    watch = watch_of(db_sessions, clock, Hub())
    assert [a.at for a in (await watch.run_once()).raised] == [at(0, 40)]
    async with db_sessions() as db:
        ticket = await db.get(Ticket, s.ticket_id)
        assert ticket is not None
        dispatch = (await current_dispatches(db, [s.ticket_id]))[s.ticket_id]
        new = transition(
            dispatch_of(dispatch, s.number), DispatchEvent.RETURN, at(1, 5),
            actor="user-99", actor_department="lanzhou.billing", text="not a billing matter",
        )  # fmt: skip
        assert await save_transition(db, dispatch, new)
        await move_ticket(db, ticket, TicketStatus.RETURNED, TicketActionKind.RETURN, "user-99", at(1, 5))
        await db.commit()
    clock.advance(3 * 3600)  # 04:00: six chase marks passed, none raised
    assert (await watch.run_once()).raised == ()


async def test_two_nodes_raise_each_alert_once_and_both_deliver_it(db_sessions: Sessions) -> None:
    s = await setup(db_sessions)
    clock = ManualClock(T0.timestamp())
    hubs = [Hub(queue_size=10_000), Hub(queue_size=10_000)]
    floors = [hub.subscribe(["floor:lanzhou"]) for hub in hubs]
    watches = [
        watch_of(db_sessions, clock, hub, node) for hub, node in zip(hubs, ("node-a", "node-b"), strict=True)
    ]
    raised: list[tuple[str, str, datetime]] = []
    while datetime.fromtimestamp(clock.now(), UTC) <= at(25):
        results = await asyncio.gather(*(w.run_once() for w in watches))
        for r in results:
            raised += [(a.kind.value, a.target_role.value, a.at) for a in r.raised]
        clock.advance(1800)
    assert len(raised) == len(set(raised))  # nobody raised anything twice
    async with db_sessions() as db:
        rows = (await db.execute(select(TicketAlert))).scalars().all()
        marks = [
            h for h in await ticket_history(db, s.ticket_id) if h.action is TicketActionKind.MARK_OVERDUE
        ]
    assert len(rows) == len(raised) and len(marks) == 1
    # 00:30 round: nothing due; chases at 00:40 → raised in the 01:00 round, … 24:40 → 25:00: 49 rounds
    assert Counter(kind for kind, _, _ in raised) == {
        "chase": 49,
        "due_soon": 1,
        "overdue": 2,
        "escalation": 1,
    }
    for floor in floors:  # each node's clients got every alert, whichever node raised it
        ids = sorted(int(m["data"]["alert_id"]) for m in await drained(floor))
        assert ids == sorted(r.id for r in rows)


async def test_the_job_runs_by_itself_every_interval(db_sessions: Sessions) -> None:
    s = await setup(db_sessions)
    clock = ManualClock(at(24, 1).timestamp())
    hub = Hub()
    floor = hub.subscribe(["floor:lanzhou"])
    registry = CollectorRegistry()
    settings = WorkflowSettings(interval_s=0.05)
    async with running_workflow(settings, db_sessions, hub, registry, node="node-1", clock=clock) as watch:
        async with asyncio.timeout(10):
            while watch.rounds < 3:  # noqa: ASYNC110 - waiting for the job's own rounds is the point
                await asyncio.sleep(0.02)
    async with db_sessions() as db:
        ticket = await db.get(Ticket, s.ticket_id)
        assert ticket is not None and ticket.status is TicketStatus.OVERDUE
    assert {m["data"]["kind"] for m in await drained(floor)} == {"overdue", "chase"}
    assert (
        registry.get_sample_value(
            "hotline_workflow_alerts_total", {"kind": "overdue", "target_role": "owner"}
        )
        == 1
    )
    assert registry.get_sample_value("hotline_workflow_overdue_tickets") == 1


async def test_a_round_reads_the_open_tickets_page_by_page_and_misses_none(
    db_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round holds one page of open tickets at a time (all of them at once made its memory grow
    with the backlog: 4.3 MB for 1,800), and every page's alerts are raised and its overdue counted."""
    s = await setup(db_sessions)
    async with db_sessions() as db:  # seven more complaints of the same moment, not dispatched
        for i in range(7):
            number, actor = f"1380000010{i}", f"user-{s.owner_id}"
            new = NewTicket(
                TicketKind.COMPLAINT, "lanzhou", number, "agent", "billing_dispute", "usage", actor=actor
            )
            await open_ticket(db, new, T0)
        await db.commit()
    pages: list[int] = []

    async def counted(db: AsyncSession, **page: Any) -> list[Any]:
        found = await open_tickets(db, **page)
        pages.append(len(found))
        return found

    monkeypatch.setattr(watch_module, "ROUND_PAGE", 3)
    monkeypatch.setattr(watch_module, "open_tickets", counted)
    watch = watch_of(db_sessions, ManualClock(at(24, 5).timestamp()), Hub())
    first = await watch.run_once()
    assert pages == [3, 3, 2]
    assert first.overdue == 8 and len(first.marked) == 8
    assert (
        Counter(a.kind.value for a in first.raised)["overdue"] == 8 + 1
    )  # the dispatched one's department too
