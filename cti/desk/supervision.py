"""What workflow monitoring shows the supervisor's page and the wallboard: the overdue list, the
alerts raised, and the departments a ticket may be dispatched to — each in the user's scope.

The overdue list is computed when asked, from the open tickets and the monitoring policy
(:func:`workflow.monitoring.overdue_list`): late by how long, escalated how far.  Alerts are the
rows the monitoring job raised (:mod:`storage.ticket_alerts`), newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.errors import BadRequest, OutOfScope
from storage.departments import departments
from storage.prefectures import PROVINCE, is_prefecture_code
from storage.ticket_alerts import recent_alerts
from workflow.facts import open_tickets
from workflow.monitoring import overdue_list
from workflow.policy import MonitoringPolicy
from workflow.views import alert_view, names_for, names_of_alerts, overdue_view

__all__ = ["Supervision"]


class Supervision:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], policy: MonitoringPolicy, clock: Callable[[], float]
    ) -> None:
        self._sessions = sessions
        self._policy = policy
        self._clock = clock

    async def overdue(self, who: Principal) -> dict[str, Any]:
        now = datetime.fromtimestamp(self._clock(), UTC)
        async with self._sessions() as db:
            facts = [t.facts for t in await open_tickets(db) if who.covers(t.facts.prefecture)]
            late = overdue_list(facts, now, self._policy)
            names = await names_for(
                db,
                [o.ticket.owner for o in late if o.ticket.owner],
                [o.ticket.department for o in late if o.ticket.department],
            )
        return {"at": now.isoformat(), "scope": who.scope, "tickets": [overdue_view(o, names) for o in late]}

    async def alerts(self, who: Principal, limit: int) -> dict[str, Any]:
        async with self._sessions() as db:
            rows = await recent_alerts(db, prefecture=who.scope, limit=max(1, min(limit, 500)))
            names = await names_of_alerts(db, rows)
        return {"alerts": [alert_view(r, names) for r in rows]}

    async def departments(self, who: Principal, prefecture: str | None) -> dict[str, Any]:
        """The departments a ticket of ``prefecture`` (default: the user's) may be dispatched to:
        its own and the provincial ones; a provincial user without a prefecture: all of them."""
        if prefecture is not None and not is_prefecture_code(prefecture):
            raise BadRequest(f"unknown prefecture {prefecture!r}")
        wanted = prefecture or who.scope
        if wanted is not None and not who.covers(wanted):
            raise OutOfScope("that prefecture is not yours")
        async with self._sessions() as db:
            rows = await departments(db, prefectures=None if wanted is None else [wanted, PROVINCE.code])
        return {
            "prefecture": wanted,
            "departments": [
                {"code": r.code, "prefecture": r.prefecture, "name_zh": r.name_zh, "name_en": r.name_en}
                for r in rows
            ],
        }
