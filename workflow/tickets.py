"""What workflow monitoring needs to know about a ticket, as a value.

``kind`` and ``severity`` are the ticket life cycle's values as text (complaint, suggestion, fault;
slight … major).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflow.alerts import Alert
from workflow.dispatch import DispatchState
from workflow.ticket_status import OPEN_STATUSES, TicketStatus

__all__ = ["TicketFacts"]


@dataclass(frozen=True, slots=True)
class TicketFacts:
    ticket_id: str  # the ticket number
    status: TicketStatus
    prefecture: str
    kind: str
    severity: str
    created_at: datetime
    due_at: datetime | None
    owner: str | None = None  # the agent holding it at the desk; None: nobody yet (e.g. from the IVR)
    department: str | None = None  # the department it is dispatched to
    dispatch_state: DispatchState | None = None  # the department's side, see workflow.dispatch
    dispatched_at: datetime | None = None
    last_chased_at: datetime | None = None  # the last chase, by hand or by the job
    alerts: tuple[Alert, ...] = ()  # alerts already raised about this ticket

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
