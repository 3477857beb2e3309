from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.alerts import Alert, AlertKind, TargetRole
from workflow.dispatch import DispatchState
from workflow.monitoring import OverdueTicket, due_alerts, overdue_list
from workflow.policy import MonitoringPolicy
from workflow.ticket_status import TicketStatus
from workflow.tickets import TicketFacts

K, R = AlertKind, TargetRole
POLICY = (
    MonitoringPolicy()
)  # warn 2 h ahead (faults 30 min), supervisor +1 h, manager +4 h, chase every 30 min
CREATED = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)
DUE = CREATED + timedelta(hours=24)  # a billing dispute: 24 hours
MINUTE = timedelta(minutes=1)


def complaint(**changes: object) -> TicketFacts:
    ticket = TicketFacts(
        ticket_id="T240304001",
        status=TicketStatus.DISPATCHED,
        prefecture="lanzhou",
        kind="complaint",
        severity="ordinary",
        created_at=CREATED,
        due_at=DUE,
        owner="agent-1001",
        department="lanzhou.billing",
        dispatch_state=DispatchState.QUEUED,
        dispatched_at=CREATED + timedelta(minutes=10),
    )
    return replace(ticket, **changes)  # type: ignore[arg-type]


def alert(kind: AlertKind, role: TargetRole, target: str, at: datetime) -> Alert:
    return Alert(kind, "T240304001", "lanzhou", role, target, at)


def run_clock(
    ticket: TicketFacts, start: datetime, end: datetime, step: timedelta = MINUTE
) -> tuple[TicketFacts, list[Alert]]:
    """The scheduled job on a simulated clock: raise what is due, record it as the storage would."""
    raised: list[Alert] = []
    now = start
    while now <= end:
        for new in due_alerts([ticket], now, POLICY):
            raised.append(new)
            ticket = replace(ticket, alerts=(*ticket.alerts, new))
            if new.marks_overdue:
                ticket = replace(ticket, status=TicketStatus.OVERDUE)
            if new.kind is K.CHASE:
                ticket = replace(ticket, last_chased_at=now)
        now += step
    return ticket, raised


def test_a_dispatched_complaint_crosses_its_due_time_on_a_simulated_clock() -> None:
    end = DUE + timedelta(hours=5)
    ticket, raised = run_clock(complaint(), CREATED, end)
    assert [a for a in raised if a.kind is not K.CHASE] == [
        alert(K.DUE_SOON, R.OWNER, "agent-1001", DUE - timedelta(hours=2)),
        alert(K.OVERDUE, R.OWNER, "agent-1001", DUE),
        alert(K.OVERDUE, R.DEPARTMENT, "lanzhou.billing", DUE),
        alert(K.ESCALATION, R.SUPERVISOR, "lanzhou", DUE + timedelta(hours=1)),
        alert(K.ESCALATION, R.MANAGER_HOTLINE, "lanzhou", DUE + timedelta(hours=4)),
    ]
    chases = [a.at for a in raised if a.kind is K.CHASE]
    # every 30 minutes from the dispatch at 00:10: 00:40 on day one … 04:40 on day two = 28 h / 30 min + 1
    assert chases[0] == CREATED + timedelta(minutes=40) and chases[-1] == DUE + timedelta(hours=4, minutes=40)
    assert len(chases) == 57 and len(set(chases)) == 57
    assert all(b - a == timedelta(minutes=30) for a, b in pairwise(chases))
    assert ticket.status is TicketStatus.OVERDUE
    assert due_alerts([ticket], end, POLICY) == ()  # everything raised once


def test_the_ticket_is_marked_overdue_exactly_at_the_due_time() -> None:
    before, _ = run_clock(complaint(), DUE - 2 * MINUTE, DUE - MINUTE)
    assert before.status is TicketStatus.DISPATCHED
    after, raised = run_clock(before, DUE, DUE)
    assert after.status is TicketStatus.OVERDUE
    assert [a for a in raised if a.marks_overdue] == [alert(K.OVERDUE, R.OWNER, "agent-1001", DUE)]


def test_a_job_that_wakes_up_late_raises_each_missed_step_once_and_one_chase() -> None:
    now = DUE + timedelta(hours=2)
    assert due_alerts([complaint()], now, POLICY) == (
        alert(K.OVERDUE, R.OWNER, "agent-1001", DUE),
        alert(K.OVERDUE, R.DEPARTMENT, "lanzhou.billing", DUE),
        alert(K.ESCALATION, R.SUPERVISOR, "lanzhou", DUE + timedelta(hours=1)),
        alert(K.CHASE, R.DEPARTMENT, "lanzhou.billing", DUE + timedelta(hours=1, minutes=40)),
    )


def test_a_chase_by_hand_restarts_the_30_minutes() -> None:
    by_hand = CREATED + timedelta(minutes=35)
    ticket = complaint(last_chased_at=by_hand)
    assert due_alerts([ticket], CREATED + timedelta(minutes=64), POLICY) == ()
    assert due_alerts([ticket], CREATED + timedelta(minutes=65), POLICY) == (
        alert(K.CHASE, R.DEPARTMENT, "lanzhou.billing", CREATED + timedelta(minutes=65)),
    )


def test_a_returned_or_answered_ticket_is_no_longer_chased() -> None:
    at = CREATED + timedelta(hours=3)
    for state in (DispatchState.RETURNED, DispatchState.ANSWERED):
        assert due_alerts([complaint(dispatch_state=state, status=TicketStatus.RETURNED)], at, POLICY) == ()
    taken = complaint(dispatch_state=DispatchState.TAKEN, status=TicketStatus.IN_PROGRESS)
    assert [a.at for a in due_alerts([taken], at, POLICY)] == [CREATED + timedelta(hours=2, minutes=40)]


def test_a_returned_ticket_keeps_its_due_time_at_the_desk() -> None:
    returned = complaint(status=TicketStatus.RETURNED, dispatch_state=DispatchState.RETURNED)
    assert due_alerts([returned], DUE, POLICY) == (alert(K.OVERDUE, R.OWNER, "agent-1001", DUE),)


def test_nobody_owns_it_yet_so_the_supervisor_hears() -> None:
    ivr = complaint(
        owner=None, department=None, dispatch_state=None, dispatched_at=None, status=TicketStatus.ACCEPTED
    )
    assert due_alerts([ivr], DUE - timedelta(hours=1), POLICY) == (
        alert(K.DUE_SOON, R.SUPERVISOR, "lanzhou", DUE - timedelta(hours=2)),
    )


def test_faults_are_warned_30_minutes_ahead_and_never_before_creation() -> None:
    fault = complaint(kind="fault", due_at=CREATED + timedelta(hours=2), department=None, dispatch_state=None)
    assert due_alerts([fault], CREATED + timedelta(hours=1, minutes=29), POLICY) == ()
    assert due_alerts([fault], CREATED + timedelta(hours=1, minutes=30), POLICY) == (
        alert(K.DUE_SOON, R.OWNER, "agent-1001", CREATED + timedelta(hours=1, minutes=30)),
    )
    short = complaint(due_at=CREATED + timedelta(hours=1), department=None, dispatch_state=None)
    assert due_alerts([short], CREATED + timedelta(minutes=5), POLICY) == (
        alert(K.DUE_SOON, R.OWNER, "agent-1001", CREATED),
    )


def test_a_new_due_time_brings_new_alerts_and_a_closed_ticket_none() -> None:
    ticket, _ = run_clock(complaint(department=None, dispatch_state=None), DUE - timedelta(hours=3), DUE)
    extended = replace(ticket, due_at=DUE + timedelta(hours=24), status=TicketStatus.DISPATCHED)
    later = DUE + timedelta(hours=23)
    assert due_alerts([extended], later, POLICY) == (
        alert(K.DUE_SOON, R.OWNER, "agent-1001", DUE + timedelta(hours=22)),
    )
    for status in (TicketStatus.REPLIED, TicketStatus.CLOSED, TicketStatus.ARCHIVED):
        assert due_alerts([complaint(status=status)], DUE + timedelta(days=3), POLICY) == ()


def test_suggestions_without_a_due_time_are_only_chased() -> None:
    suggestion = complaint(kind="suggestion", due_at=None)
    assert [a.kind for a in due_alerts([suggestion], CREATED + timedelta(days=9), POLICY)] == [K.CHASE]
    off = MonitoringPolicy(chase_every=None)
    assert due_alerts([suggestion], CREATED + timedelta(days=9), off) == ()


def test_the_overdue_list_puts_the_latest_first_with_how_far_it_went() -> None:
    a = complaint(ticket_id="A")
    b = complaint(ticket_id="B", due_at=DUE + timedelta(hours=3))
    c = complaint(ticket_id="C", due_at=DUE - timedelta(hours=2))
    closed = complaint(ticket_id="D", status=TicketStatus.CLOSED)
    fresh = complaint(ticket_id="E", due_at=DUE + timedelta(hours=9))
    now = DUE + timedelta(hours=3)
    assert overdue_list([a, b, c, closed, fresh], now, POLICY) == (
        OverdueTicket(c, timedelta(hours=5), R.MANAGER_HOTLINE),
        OverdueTicket(a, timedelta(hours=3), R.SUPERVISOR),
        OverdueTicket(b, timedelta(0), None),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 8 * 60), min_size=1, max_size=25))
def test_any_irregular_job_schedule_raises_each_step_once(gaps: list[int]) -> None:
    ticket, raised = complaint(), []
    now = DUE - timedelta(hours=3)
    for gap in gaps:
        now += timedelta(minutes=gap)
        for new in due_alerts([ticket], now, POLICY):
            assert new.at <= now
            raised.append(new)
            ticket = replace(ticket, alerts=(*ticket.alerts, new))
    keys = [a.key for a in raised]
    assert len(keys) == len(set(keys))
    assert due_alerts([ticket], now, POLICY) == ()
    steps = [(a.kind, a.target_role) for a in raised if a.kind is not K.CHASE]
    assert len(steps) == len(set(steps))
    if now >= DUE + timedelta(hours=4):
        assert (K.ESCALATION, R.MANAGER_HOTLINE) in steps and (K.OVERDUE, R.OWNER) in steps
