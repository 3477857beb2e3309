from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflow.departments import load_departments
from workflow.dispatch import (
    TRANSITIONS,
    Dispatch,
    DispatchEvent,
    DispatchState,
    department_queue,
    dispatch_ticket,
    ticket_status_after,
    transition,
)
from workflow.errors import IllegalMove, WorkflowError
from workflow.ticket_status import TicketStatus

E, S = DispatchEvent, DispatchState
DEPARTMENTS = load_departments(["lanzhou", "tianshui"])
T0 = datetime(2024, 3, 4, 1, 0, tzinfo=UTC)


def queued(ticket_id: str = "T1", due: timedelta | None = timedelta(hours=24), at: datetime = T0) -> Dispatch:
    return dispatch_ticket(
        ticket_id,
        DEPARTMENTS.get("lanzhou.billing"),
        ticket_prefecture="lanzhou",
        by="agent-1001",
        now=at,
        due_at=None if due is None else at + due,
    )


def test_the_table() -> None:
    assert TRANSITIONS == {
        (S.QUEUED, E.TAKE): S.TAKEN,
        (S.QUEUED, E.ANSWER): S.ANSWERED,
        (S.QUEUED, E.RETURN): S.RETURNED,
        (S.TAKEN, E.ANSWER): S.ANSWERED,
        (S.TAKEN, E.RETURN): S.RETURNED,
    }


def test_the_department_takes_and_answers() -> None:
    d = queued()
    assert (d.state, d.department, d.since, d.due_at) == (
        S.QUEUED,
        "lanzhou.billing",
        T0,
        T0 + timedelta(hours=24),
    )
    d = transition(
        d, E.TAKE, T0 + timedelta(minutes=20), actor="billing-1", actor_department="lanzhou.billing"
    )
    assert (d.state, d.taken_by, d.version) == (S.TAKEN, "billing-1", 1)
    d = transition(
        d,
        E.ANSWER,
        T0 + timedelta(hours=3),
        actor="billing-2",
        actor_department="lanzhou.billing",
        text="已退还多扣的12元",
    )
    assert (d.state, d.answer, d.closed_by, d.since, d.version) == (
        S.ANSWERED,
        "已退还多扣的12元",
        "billing-2",
        T0 + timedelta(hours=3),
        2,
    )
    with pytest.raises(IllegalMove, match="cannot return while answered"):
        transition(d, E.RETURN, T0, actor="billing-1", actor_department="lanzhou.billing", text="x")


def test_a_department_returns_a_ticket_and_it_comes_back_to_the_desk() -> None:
    d = transition(
        queued(),
        E.RETURN,
        T0 + timedelta(hours=1),
        actor="billing-1",
        actor_department="lanzhou.billing",
        text="非本部门职责,应派交换室",
    )
    assert (d.state, d.return_reason, d.closed_by) == (S.RETURNED, "非本部门职责,应派交换室", "billing-1")
    assert ticket_status_after(E.RETURN, TicketStatus.DISPATCHED) is TicketStatus.RETURNED
    assert department_queue([d], "lanzhou.billing") == ()


def test_only_the_department_acts_and_answers_and_returns_say_why() -> None:
    with pytest.raises(IllegalMove, match=r"billing-9 is of lanzhou\.switching"):
        transition(queued(), E.TAKE, T0, actor="billing-9", actor_department="lanzhou.switching")
    with pytest.raises(IllegalMove, match="the reason for returning it is required"):
        transition(queued(), E.RETURN, T0, actor="b", actor_department="lanzhou.billing", text=" ")
    with pytest.raises(IllegalMove, match="the answer is required"):
        transition(queued(), E.ANSWER, T0, actor="b", actor_department="lanzhou.billing")


def test_a_ticket_goes_only_to_its_prefectures_or_the_provinces_departments() -> None:
    with pytest.raises(WorkflowError, match=r"ticket T9 of tianshui cannot go to lanzhou\.billing"):
        dispatch_ticket(
            "T9",
            DEPARTMENTS.get("lanzhou.billing"),
            ticket_prefecture="tianshui",
            by="a",
            now=T0,
            due_at=None,
        )
    d = dispatch_ticket(
        "T9",
        DEPARTMENTS.get("province.monitoring"),
        ticket_prefecture="tianshui",
        by="a",
        now=T0,
        due_at=None,
    )
    assert d.department == "province.monitoring"


def test_the_ticket_follows_the_department() -> None:
    assert ticket_status_after(E.TAKE, TicketStatus.DISPATCHED) is TicketStatus.IN_PROGRESS
    assert ticket_status_after(E.TAKE, TicketStatus.OVERDUE) is None  # still late
    assert ticket_status_after(E.ANSWER, TicketStatus.IN_PROGRESS) is None  # the desk replies to the customer
    assert ticket_status_after(E.RETURN, TicketStatus.OVERDUE) is TicketStatus.RETURNED


def test_the_queue_shows_the_earliest_due_first() -> None:
    late = queued("T-late", due=timedelta(hours=24))
    soon = queued("T-soon", due=timedelta(hours=2), at=T0 + timedelta(hours=1))
    none = queued("T-none", due=None, at=T0 - timedelta(hours=5))
    taken = transition(
        queued("T-taken", due=timedelta(hours=5)), E.TAKE, T0, actor="b", actor_department="lanzhou.billing"
    )
    answered = transition(
        queued("T-done"), E.ANSWER, T0, actor="b", actor_department="lanzhou.billing", text="ok"
    )
    elsewhere = dispatch_ticket(
        "T-x", DEPARTMENTS.get("lanzhou.radio"), ticket_prefecture="lanzhou", by="a", now=T0, due_at=T0
    )
    queue = department_queue([late, none, answered, soon, taken, elsewhere], "lanzhou.billing")
    assert [d.ticket_id for d in queue] == ["T-soon", "T-taken", "T-late", "T-none"]
