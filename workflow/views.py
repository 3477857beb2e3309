"""How monitoring's values look in API answers and WebSocket messages: an alert, an overdue ticket.

Targets are shown by name as well as by id — a desk user's username, a department's names, a
prefecture's names — so the pages need no second look-up; both languages are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.departments import DepartmentRow
from storage.prefectures import BY_CODE
from storage.ticket_alerts import TicketAlert
from storage.users import User
from workflow.alerts import LABELS, AlertKind, TargetRole
from workflow.facts import is_user_actor
from workflow.monitoring import OverdueTicket

__all__ = ["Names", "alert_view", "names_for", "names_of_alerts", "overdue_view"]


@dataclass(frozen=True, slots=True)
class Names:
    """Display names of the targets in a batch of alerts or tickets."""

    users: Mapping[str, str] = field(default_factory=dict)  # user-<id> -> username
    departments: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # code -> (zh, en)

    def of(self, role: TargetRole | None, target: str | None) -> tuple[str, str]:
        if target is None:
            return ("", "")
        if role is TargetRole.OWNER:
            name = self.users.get(target, target)
            return (name, name)
        if role is TargetRole.DEPARTMENT:
            return self.departments.get(target, (target, target))
        prefecture = BY_CODE.get(target)
        return (prefecture.name_zh, prefecture.name_en) if prefecture else (target, target)


async def names_for(db: AsyncSession, users: Iterable[str], departments: Iterable[str]) -> Names:
    ids = sorted({int(u.partition("-")[2]) for u in users if is_user_actor(u)})
    codes = sorted(set(departments))
    user_names: dict[str, str] = {}
    if ids:
        for user_id, username in (
            await db.execute(select(User.id, User.username).where(User.id.in_(ids)))
        ).all():
            user_names[f"user-{user_id}"] = username
    department_names: dict[str, tuple[str, str]] = {}
    if codes:
        stmt = select(DepartmentRow.code, DepartmentRow.name_zh, DepartmentRow.name_en).where(
            DepartmentRow.code.in_(codes)
        )
        for code, zh, en in (await db.execute(stmt)).all():
            department_names[code] = (zh, en)
    return Names(user_names, department_names)


async def names_of_alerts(db: AsyncSession, rows: Iterable[TicketAlert]) -> Names:
    rows = list(rows)
    return await names_for(
        db,
        [r.target for r in rows if r.target_role == TargetRole.OWNER],
        [r.target for r in rows if r.target_role == TargetRole.DEPARTMENT],
    )


def _prefecture(code: str) -> dict[str, str]:
    known = BY_CODE.get(code)
    return {
        "prefecture": code,
        "prefecture_zh": known.name_zh if known else code,
        "prefecture_en": known.name_en if known else code,
    }


def alert_view(row: TicketAlert, names: Names) -> dict[str, Any]:
    kind, role = AlertKind(row.kind), TargetRole(row.target_role)
    target_zh, target_en = names.of(role, row.target)
    return {
        "alert_id": row.id,
        "ticket_number": row.ticket_number,
        **_prefecture(row.prefecture),
        "kind": kind.value,
        "kind_zh": LABELS[kind][0],
        "kind_en": LABELS[kind][1],
        "target_role": role.value,
        "target_role_zh": LABELS[role][0],
        "target_role_en": LABELS[role][1],
        "target": row.target,
        "target_zh": target_zh,
        "target_en": target_en,
        "at": row.at.isoformat(),
        "raised_at": row.raised_at.isoformat(),
    }


def overdue_view(item: OverdueTicket, names: Names) -> dict[str, Any]:
    t = item.ticket
    owner_zh, _ = names.of(TargetRole.OWNER, t.owner)
    department = names.of(TargetRole.DEPARTMENT, t.department)
    escalated = item.escalated_to
    return {
        "ticket_number": t.ticket_id,
        **_prefecture(t.prefecture),
        "kind": t.kind,
        "severity": t.severity,
        "status": t.status.value,
        "due_at": t.due_at.isoformat() if t.due_at else None,
        "late_by_s": round(item.late_by.total_seconds()),
        "escalated_to": escalated.value if escalated else None,
        "escalated_to_zh": LABELS[escalated][0] if escalated else None,
        "escalated_to_en": LABELS[escalated][1] if escalated else None,
        "owner": t.owner,
        "owner_name": owner_zh or None,
        "department": t.department,
        "department_zh": department[0] or None,
        "department_en": department[1] or None,
        "dispatch_state": t.dispatch_state.value if t.dispatch_state else None,
    }
