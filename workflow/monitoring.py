"""Workflow monitoring (工作流监控): which alerts to raise now, and the overdue list.

:func:`due_alerts` is run by a scheduled job on the current time.  For each open ticket:

* ``due_soon`` to the owner at ``due − warn_before`` (never before the ticket was created), raised
  only before the due time: a job that wakes up late skips straight to ``overdue``;
* ``overdue`` at the due time to the owner, and to the department if the ticket waits there; the
  owner's one is also the order to mark the ticket overdue (:attr:`Alert.marks_overdue`);
* ``escalation`` to the prefecture supervisor at ``due + supervisor_after``, then to the manager
  hotline at ``due + manager_after``;
* ``chase`` (追单) to the department every ``chase_every`` while the ticket waits there
  (:data:`~workflow.dispatch.WAITING`), counted from the latest of the dispatch, the last chase by
  hand and the last chase alert.  A job that missed several marks raises one chase, for the latest.

A ticket nobody owns yet (left in the IVR) sends the owner's alerts to the prefecture supervisor.
Suggestions have no due time: only chases.  Each alert is raised once: those in
:attr:`TicketFacts.alerts` are left out (compared by :attr:`Alert.key`, which includes ``at``; a new
due time after a re-dispatch gives new alerts).  Replied, closed and archived tickets raise nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from workflow.alerts import Alert, AlertKind, TargetRole
from workflow.dispatch import WAITING
from workflow.policy import MonitoringPolicy
from workflow.tickets import TicketFacts

__all__ = ["OverdueTicket", "due_alerts", "overdue_list"]

_KIND_ORDER = {kind: index for index, kind in enumerate(AlertKind)}
_ROLE_ORDER = {role: index for index, role in enumerate(TargetRole)}


def due_alerts(tickets: Iterable[TicketFacts], now: datetime, policy: MonitoringPolicy) -> tuple[Alert, ...]:
    """The alerts to raise at ``now`` that have not been raised yet, in time order."""
    fresh: list[Alert] = []
    for ticket in tickets:
        raised = {a.key for a in ticket.alerts}
        fresh += [a for a in _alerts_for(ticket, now, policy) if a.key not in raised]
    return tuple(
        sorted(
            fresh,
            key=lambda a: (a.at, a.ticket_id, _KIND_ORDER[a.kind], _ROLE_ORDER[a.target_role], a.target),
        )
    )


@dataclass(frozen=True, slots=True)
class OverdueTicket:
    ticket: TicketFacts
    late_by: timedelta
    escalated_to: TargetRole | None  # how far it has gone by now


def overdue_list(
    tickets: Iterable[TicketFacts], now: datetime, policy: MonitoringPolicy
) -> tuple[OverdueTicket, ...]:
    """Open tickets past their due time, the latest first: the supervisor's page and the wallboard."""
    late: list[OverdueTicket] = []
    for ticket in tickets:
        if ticket.is_open and ticket.due_at is not None and now >= ticket.due_at:
            late_by = now - ticket.due_at
            escalated_to = (
                TargetRole.MANAGER_HOTLINE
                if late_by >= policy.manager_after
                else TargetRole.SUPERVISOR
                if late_by >= policy.supervisor_after
                else None
            )
            late.append(OverdueTicket(ticket, late_by, escalated_to))
    return tuple(sorted(late, key=lambda o: (-o.late_by, o.ticket.ticket_id)))


def _alerts_for(ticket: TicketFacts, now: datetime, policy: MonitoringPolicy) -> Iterator[Alert]:
    if not ticket.is_open:
        return
    desk = (TargetRole.OWNER, ticket.owner) if ticket.owner else (TargetRole.SUPERVISOR, ticket.prefecture)
    if ticket.due_at is not None:
        due = ticket.due_at
        warn_at = max(due - policy.warn_before_for(ticket.kind), ticket.created_at)
        if warn_at <= now < due:
            yield _alert(ticket, AlertKind.DUE_SOON, *desk, warn_at)
        if now >= due:
            yield _alert(ticket, AlertKind.OVERDUE, *desk, due)
            if ticket.department is not None and ticket.dispatch_state in WAITING:
                yield _alert(ticket, AlertKind.OVERDUE, TargetRole.DEPARTMENT, ticket.department, due)
        for role, after in (
            (TargetRole.SUPERVISOR, policy.supervisor_after),
            (TargetRole.MANAGER_HOTLINE, policy.manager_after),
        ):
            if now >= due + after:
                yield _alert(ticket, AlertKind.ESCALATION, role, ticket.prefecture, due + after)
    chase = _chase(ticket, now, policy)
    if chase is not None:
        yield chase


def _chase(ticket: TicketFacts, now: datetime, policy: MonitoringPolicy) -> Alert | None:
    every = policy.chase_every
    department, dispatched_at = ticket.department, ticket.dispatched_at
    if every is None or department is None or dispatched_at is None or ticket.dispatch_state not in WAITING:
        return None
    anchor = max(
        dispatched_at,
        ticket.last_chased_at or dispatched_at,
        *(a.at for a in ticket.alerts if a.kind is AlertKind.CHASE and a.target == department),
    )
    if now < anchor + every:
        return None
    return _alert(
        ticket, AlertKind.CHASE, TargetRole.DEPARTMENT, department, anchor + (now - anchor) // every * every
    )


def _alert(ticket: TicketFacts, kind: AlertKind, role: TargetRole, target: str, at: datetime) -> Alert:
    return Alert(kind, ticket.ticket_id, ticket.prefecture, role, target, at)
