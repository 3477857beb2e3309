"""The department's side of a dispatched ticket (派单): it waits in the department's queue, the
department takes it, then answers (处理结果) or returns it (退单) to the desk.

States: ``queued`` → ``taken`` → ``answered`` | ``returned``; a queued ticket may also be answered or
returned straight away.  Pure: :func:`transition` returns the next :class:`Dispatch` or raises
:class:`IllegalMove`.

Rules on top of the table:

* Only a user of the ticket's department acts on it (the wiring passes the user's department).
* An answer needs its text; a return needs its reason.
* The ticket follows (:func:`ticket_status_after`): taking it puts it in progress (an overdue
  ticket stays overdue); a return sends it back to the desk (``returned``) where the agent
  re-dispatches it or replies; an answer leaves the status to the desk's reply to the customer.
* While ``queued`` or ``taken`` (:data:`WAITING`) the ticket is chased; after, it is not.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from workflow.departments import Department
from workflow.errors import IllegalMove, WorkflowError
from workflow.ticket_status import TicketStatus

__all__ = [
    "TRANSITIONS",
    "WAITING",
    "Dispatch",
    "DispatchEvent",
    "DispatchState",
    "department_queue",
    "dispatch_ticket",
    "ticket_status_after",
    "transition",
]


class DispatchState(enum.StrEnum):
    QUEUED = "queued"  # 待处理
    TAKEN = "taken"  # 处理中
    ANSWERED = "answered"  # 已答复
    RETURNED = "returned"  # 已退单


class DispatchEvent(enum.StrEnum):
    TAKE = "take"
    ANSWER = "answer"
    RETURN = "return"


S, E = DispatchState, DispatchEvent

TRANSITIONS: dict[tuple[DispatchState, DispatchEvent], DispatchState] = {
    (S.QUEUED, E.TAKE): S.TAKEN,
    (S.QUEUED, E.ANSWER): S.ANSWERED,
    (S.QUEUED, E.RETURN): S.RETURNED,
    (S.TAKEN, E.ANSWER): S.ANSWERED,
    (S.TAKEN, E.RETURN): S.RETURNED,
}

WAITING: frozenset[DispatchState] = frozenset({S.QUEUED, S.TAKEN})


@dataclass(frozen=True, slots=True)
class Dispatch:
    ticket_id: str
    department: str
    dispatched_by: str  # the agent at the desk
    queued_at: datetime
    due_at: datetime | None
    state: DispatchState = S.QUEUED
    since: datetime | None = None
    taken_by: str | None = None
    answer: str | None = None
    return_reason: str | None = None
    closed_by: str | None = None  # who answered or returned it
    version: int = 0


def dispatch_ticket(
    ticket_id: str,
    department: Department,
    *,
    ticket_prefecture: str,
    by: str,
    now: datetime,
    due_at: datetime | None,
) -> Dispatch:
    """Put the ticket in ``department``'s queue; refused for another prefecture's department."""
    if not department.takes_tickets_of(ticket_prefecture):
        raise WorkflowError(
            f"ticket {ticket_id} of {ticket_prefecture} cannot go to {department.code}"
            f" (a department of {department.prefecture})"
        )
    return Dispatch(ticket_id, department.code, by, now, due_at, since=now)


def transition(
    dispatch: Dispatch,
    event: DispatchEvent,
    now: datetime,
    *,
    actor: str,
    actor_department: str,
    text: str = "",
) -> Dispatch:
    """The dispatch after ``actor`` (a user of ``actor_department``) does ``event``.

    ``text`` is the answer or the reason for returning it.
    """
    what = f"ticket {dispatch.ticket_id} at {dispatch.department}"
    target = TRANSITIONS.get((dispatch.state, event))
    if target is None:
        raise IllegalMove(what, dispatch.state.value, event.value)
    if actor_department != dispatch.department:
        raise IllegalMove(what, dispatch.state.value, event.value, f"{actor} is of {actor_department}")
    version = dispatch.version + 1
    if event is E.TAKE:
        return replace(dispatch, state=target, since=now, taken_by=actor, version=version)
    if not text.strip():
        needed = "the answer" if event is E.ANSWER else "the reason for returning it"
        raise IllegalMove(what, dispatch.state.value, event.value, f"{needed} is required")
    if event is E.ANSWER:
        return replace(dispatch, state=target, since=now, answer=text, closed_by=actor, version=version)
    return replace(dispatch, state=target, since=now, return_reason=text, closed_by=actor, version=version)


def ticket_status_after(event: DispatchEvent, current: TicketStatus) -> TicketStatus | None:
    """The ticket's next status after the department's ``event``; ``None``: it stays as it is."""
    if event is E.TAKE:
        return (
            None if current in (TicketStatus.IN_PROGRESS, TicketStatus.OVERDUE) else TicketStatus.IN_PROGRESS
        )
    if event is E.RETURN:
        return TicketStatus.RETURNED
    return None


def department_queue(dispatches: Iterable[Dispatch], department: str) -> tuple[Dispatch, ...]:
    """What ``department`` still has to answer: the earliest due first (no due time last), then oldest."""
    waiting = [d for d in dispatches if d.department == department and d.state in WAITING]
    return tuple(
        sorted(waiting, key=lambda d: (d.due_at is None, d.due_at or d.queued_at, d.queued_at, d.ticket_id))
    )
