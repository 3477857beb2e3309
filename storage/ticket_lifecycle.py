"""What a ticket is and where it may go next (HOTLINE.md, "Complaint life cycle").

accept (受理) → answer on the spot, or dispatch (派单) to the responsible department → handle
within the time limit → reply to the customer (回复) → satisfaction callback (回访) → close →
archive.  Closing a ticket when outbound runs puts it in ``callback``: it waits there for its
回访 (``outbound``), which closes it, or — a low score — reopens it (``REOPEN``) to the manager
hotline (经理热线) as a repeat complaint; a 回访 that gives up (nobody reached) closes it too.
A department may return (退单) a ticket; a ticket past its due time is overdue (超时未处理).
A ticket the caller left in the IVR before it was complete is ``abandoned_in_ivr``: an agent may
take it up (``accepted``) or close it.

Legal moves are a table, not if-chains; :func:`check_move` raises :class:`IllegalTicketMove`.
"""

from __future__ import annotations

from enum import StrEnum


class TicketKind(StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    FAULT = "fault"


class Severity(StrEnum):
    """Seed 003: 轻微, 一般, 较重, 严重, 重大."""

    SLIGHT = "slight"
    ORDINARY = "ordinary"
    SERIOUS = "serious"
    SEVERE = "severe"
    MAJOR = "major"


class TicketStatus(StrEnum):
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    OVERDUE = "overdue"
    REPLIED = "replied"
    CALLBACK = "callback"  # waiting for its satisfaction callback (回访)
    CLOSED = "closed"
    ARCHIVED = "archived"
    ABANDONED_IN_IVR = "abandoned_in_ivr"


class TicketActionKind(StrEnum):
    ACCEPT = "accept"
    DISPATCH = "dispatch"
    START = "start"
    CHASE = "chase"  # 追单: no status change, recorded in the history
    RETURN = "return"
    ANSWER = "answer"  # the department's answer (处理结果): no status change, the desk replies next
    MARK_OVERDUE = "mark_overdue"
    REPLY = "reply"
    REOPEN = "reopen"  # customer not satisfied: back to a department (a repeat complaint)
    CALLBACK = "callback"  # closed by the agent: waits for its 回访
    CLOSE = "close"
    ARCHIVE = "archive"
    ABANDON = "abandon"
    NOTE = "note"


S = TicketStatus

TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.ACCEPTED: frozenset({S.DISPATCHED, S.IN_PROGRESS, S.REPLIED, S.CALLBACK, S.CLOSED, S.OVERDUE}),
    S.DISPATCHED: frozenset({S.IN_PROGRESS, S.RETURNED, S.REPLIED, S.OVERDUE}),
    S.IN_PROGRESS: frozenset({S.RETURNED, S.REPLIED, S.OVERDUE}),
    S.RETURNED: frozenset({S.DISPATCHED, S.IN_PROGRESS, S.OVERDUE}),
    S.OVERDUE: frozenset({S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.REPLIED}),
    S.REPLIED: frozenset({S.CALLBACK, S.CLOSED, S.DISPATCHED}),
    S.CALLBACK: frozenset({S.CLOSED, S.DISPATCHED}),
    S.CLOSED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
    S.ABANDONED_IN_IVR: frozenset({S.ACCEPTED, S.CALLBACK, S.CLOSED}),
}

# Still waiting for the operator to act: a caller reporting the same fault again hears its status.
OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.OVERDUE}
)


class IllegalTicketMove(Exception):
    def __init__(self, number: str, source: TicketStatus, target: TicketStatus) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[source])) or "nothing"
        super().__init__(f"ticket {number}: cannot go from {source} to {target} (allowed: {allowed})")
        self.source = source
        self.target = target


def check_move(number: str, source: TicketStatus, target: TicketStatus) -> None:
    if target not in TRANSITIONS[source]:
        raise IllegalTicketMove(number, source, target)
