"""Alerts about tickets as values: what happened, about which ticket, for whom, at which moment.

``at`` is the moment the alert is *for* (the due time, the warning time, the 30-minute mark of a
chase), not when a job noticed it: so an alert is the same value whenever it is computed, and
``key`` identifies it for "raised exactly once".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

__all__ = ["LABELS", "Alert", "AlertKind", "TargetRole"]


class AlertKind(enum.StrEnum):
    DUE_SOON = "due_soon"  # 即将超时: a warning before the due time
    OVERDUE = "overdue"  # 超时: the due time has passed
    ESCALATION = "escalation"  # 升级: to the prefecture supervisor, then the manager hotline
    CHASE = "chase"  # 追单: the department is reminded of a dispatched ticket


class TargetRole(enum.StrEnum):
    OWNER = "owner"  # the agent holding the ticket at the desk
    DEPARTMENT = "department"
    SUPERVISOR = "supervisor"  # the prefecture centre's supervisor(s)
    MANAGER_HOTLINE = "manager_hotline"  # 经理热线


LABELS: dict[AlertKind | TargetRole, tuple[str, str]] = {
    AlertKind.DUE_SOON: ("即将超时", "Due soon"),
    AlertKind.OVERDUE: ("超时", "Overdue"),
    AlertKind.ESCALATION: ("升级", "Escalated"),
    AlertKind.CHASE: ("追单", "Chase"),
    TargetRole.OWNER: ("受理人", "Owner"),
    TargetRole.DEPARTMENT: ("责任部门", "Department"),
    TargetRole.SUPERVISOR: ("值班主管", "Supervisor"),
    TargetRole.MANAGER_HOTLINE: ("经理热线", "Manager hotline"),
}


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    ticket_id: str
    prefecture: str
    target_role: TargetRole
    target: str  # an agent's login, a department code, or the prefecture code for supervisor/manager
    at: datetime

    @property
    def marks_overdue(self) -> bool:
        """The desk's overdue alert is also the order to mark the ticket overdue (MARK_OVERDUE):
        one per due time, so a ticket is marked once even if it later moves on while still late."""
        return self.kind is AlertKind.OVERDUE and self.target_role is not TargetRole.DEPARTMENT

    @property
    def key(self) -> tuple[str, AlertKind, TargetRole, str, datetime]:
        return (self.ticket_id, self.kind, self.target_role, self.target, self.at)
