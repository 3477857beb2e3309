"""The monitoring job (工作流监控): every ``interval_s``, raise what is due and tell the browsers.

A round (:meth:`WorkflowWatch.run_once`) reads the open tickets (:mod:`workflow.facts`), asks the
pure core which alerts are due now (:func:`workflow.monitoring.due_alerts`) and raises each in its
own transaction: the alert's row (:func:`storage.ticket_alerts.raise_once`), and with it what the
alert stands for —

* the owner's (or, for a ticket nobody holds, the supervisor's) ``overdue`` alert marks the ticket
  ``overdue`` (``MARK_OVERDUE`` in its history);
* a ``chase`` writes a 追单 (``chase``) row in the ticket's history, actor ``workflow``.

With several CTI nodes every node runs the job: the alert's unique key makes exactly one of them
raise it and do the rest; the others find it raised.  Then each node pushes the alerts raised
since its last round — by any node — to its own WebSocket clients (:meth:`deliver`), in scope:
the prefecture's floor (supervisors, QA, admins), and the target — the owner's user topic, the
department's topic, the manager hotline's.

Time comes from a clock (``now()``, epoch seconds): the system clock in production, a
:class:`acd.clock.ManualClock` in tests, which then call :meth:`run_once` after moving it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.clock import Clock
from cti.notifier import Hub, department_topic, floor_topics, manager_topics, user_topic
from storage.ticket_alerts import NewAlert, TicketAlert, alerts_raised_since, raise_once
from storage.ticket_lifecycle import TicketActionKind, TicketStatus
from storage.tickets import Ticket, TicketAction, move_ticket
from workflow.alerts import Alert, AlertKind, TargetRole
from workflow.facts import JOB_ACTOR, OpenTicket, is_user_actor, open_tickets
from workflow.metrics import WorkflowMetrics
from workflow.monitoring import due_alerts, overdue_list
from workflow.policy import MonitoringPolicy
from workflow.views import alert_view, names_of_alerts

__all__ = ["Round", "WorkflowWatch", "alert_topics", "one_line"]

log = structlog.get_logger(__name__)

# open tickets a round reads at a time (about 2.4 KB each while read: 1,800 open tickets read at
# once held 4.3 MB, and the round's high-water mark grew with the backlog)
ROUND_PAGE = 200


@dataclass(frozen=True, slots=True)
class Round:
    at: datetime
    raised: tuple[Alert, ...]  # raised by this node in this round
    marked: tuple[str, ...]  # ticket numbers this node marked overdue
    chased: tuple[str, ...]  # ticket numbers this node chased
    delivered: int  # alerts pushed to this node's clients
    overdue: int  # open tickets past their due time


def alert_topics(row: TicketAlert) -> tuple[str, ...]:
    """Where an alert goes: its prefecture's floor, and its target."""
    topics = list(floor_topics(row.prefecture))
    if row.target_role == TargetRole.OWNER and is_user_actor(row.target):
        topics.append(user_topic(int(row.target.partition("-")[2])))
    elif row.target_role == TargetRole.DEPARTMENT:
        topics.append(department_topic(row.target))
    elif row.target_role == TargetRole.MANAGER_HOTLINE:
        topics.extend(manager_topics(row.prefecture))
    return tuple(topics)


class WorkflowWatch:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hub: Hub,
        policy: MonitoringPolicy,
        clock: Clock,
        metrics: WorkflowMetrics,
        *,
        node: str,
        delivery_window_s: float = 300.0,
    ) -> None:
        self._sessions = sessions
        self._hub = hub
        self.policy = policy
        self._clock = clock
        self._metrics = metrics
        self._node = node
        self._window = timedelta(seconds=delivery_window_s)
        self._started = self.now()
        self._delivered: dict[int, datetime] = {}  # alert id -> raised_at, within the window
        self.rounds = 0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now(), UTC)

    async def run(self, interval_s: float) -> None:
        """Rounds every ``interval_s`` real seconds until cancelled.

        A failed round is one line in the log.  A database outage fails every round the same way,
        so the traceback is logged with the first failure of a kind only (at debug level after
        that); the first round that works again says how many failed."""
        failed = 0
        last: type[BaseException] | None = None
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failed += 1
                self._metrics.rounds.labels("failed").inc()
                if type(exc) is not last:
                    log.error(
                        "workflow round failed", error=one_line(exc), failed_rounds=failed, exc_info=exc
                    )
                else:
                    log.warning("workflow round failed", error=one_line(exc), failed_rounds=failed)
                    log.debug("workflow round failure", exc_info=exc)
                last = type(exc)
            else:
                if failed:
                    log.info("workflow rounds work again", failed_rounds=failed)
                failed, last = 0, None
            await asyncio.sleep(interval_s)

    async def run_once(self) -> Round:
        started = time.perf_counter()
        now = self.now()
        raised: list[Alert] = []
        marked: list[str] = []
        chased: list[str] = []
        overdue, after = 0, 0
        while True:  # page by page: a round's memory does not grow with the backlog
            async with self._sessions() as db:
                tickets = await open_tickets(db, after=after, limit=ROUND_PAGE)
            if not tickets:
                break
            after = tickets[-1].row_id
            overdue += len(overdue_list([t.facts for t in tickets], now, self.policy))
            by_number = {t.facts.ticket_id: t for t in tickets}
            for alert in due_alerts([t.facts for t in tickets], now, self.policy):
                outcome = await self._raise(by_number[alert.ticket_id], alert, now)
                if outcome is None:
                    continue
                raised.append(alert)
                self._metrics.alerts.labels(alert.kind.value, alert.target_role.value).inc()
                if outcome == "marked":
                    marked.append(alert.ticket_id)
                elif outcome == "chased":
                    chased.append(alert.ticket_id)
            if len(tickets) < ROUND_PAGE:
                break
        self._metrics.overdue.set(overdue)
        delivered = await self.deliver(now)
        self.rounds += 1
        self._metrics.rounds.labels("ok").inc()
        self._metrics.round_seconds.observe(time.perf_counter() - started)
        return Round(now, tuple(raised), tuple(marked), tuple(chased), delivered, overdue)

    async def _raise(self, ticket: OpenTicket, alert: Alert, now: datetime) -> str | None:
        """Raise one alert and what goes with it, in one transaction; None when another node (or
        an earlier round) had raised it.  What it did otherwise: raised, marked or chased."""
        new = NewAlert(
            ticket_id=ticket.row_id,
            ticket_number=alert.ticket_id,
            prefecture=alert.prefecture,
            kind=alert.kind.value,
            target_role=alert.target_role.value,
            target=alert.target,
            at=alert.at,
        )
        try:
            async with self._sessions() as db:
                if await raise_once(db, new, now=now, node=self._node) is None:
                    await db.rollback()
                    return None
                outcome = "raised"
                if alert.marks_overdue and await self._mark_overdue(db, ticket.row_id, alert, now):
                    outcome = "marked"
                elif alert.kind is AlertKind.CHASE:
                    await self._chase(db, ticket.row_id, alert, now)
                    outcome = "chased"
                await db.commit()
        except Exception:
            log.exception("workflow alert failed", ticket=alert.ticket_id, kind=alert.kind.value)
            return None
        log.info(
            "workflow alert",
            ticket=alert.ticket_id,
            kind=alert.kind.value,
            target_role=alert.target_role.value,
            outcome=outcome,
        )
        return outcome

    async def _mark_overdue(self, db: AsyncSession, row_id: int, alert: Alert, now: datetime) -> bool:
        stmt = select(Ticket).where(Ticket.id == row_id).with_for_update()
        ticket = (await db.execute(stmt)).scalar_one()
        if ticket.status not in _MARKABLE:
            return False
        note = f"due {alert.at.isoformat()}"
        await move_ticket(
            db, ticket, TicketStatus.OVERDUE, TicketActionKind.MARK_OVERDUE, JOB_ACTOR, now, note
        )
        return True

    async def _chase(self, db: AsyncSession, row_id: int, alert: Alert, now: datetime) -> None:
        status = (await db.execute(select(Ticket.status).where(Ticket.id == row_id))).scalar_one()
        db.add(
            TicketAction(
                ticket_id=row_id,
                at=now,
                action=TicketActionKind.CHASE,
                actor=JOB_ACTOR,
                from_status=status,
                to_status=status,
                note=f"追单 {alert.target} ({alert.at.isoformat()})",
            )
        )
        await db.flush()

    async def deliver(self, now: datetime) -> int:
        """Push the alerts raised (by any node) since the last round to this node's clients."""
        since = max(self._started, now - self._window)
        async with self._sessions() as db:
            rows = [r for r in await alerts_raised_since(db, since) if r.id not in self._delivered]
            names = await names_of_alerts(db, rows)
        for row in rows:
            self._hub.publish(alert_topics(row), "alert", alert_view(row, names))
            self._delivered[row.id] = row.raised_at
        for old in [i for i, at in self._delivered.items() if at < since]:
            del self._delivered[old]
        return len(rows)


def one_line(exc: BaseException, limit: int = 300) -> str:
    """The error's kind and the first line of what it says (a database driver's error spans
    several: the statement, parameters, a link)."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MARKABLE = frozenset(
    {TicketStatus.ACCEPTED, TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS, TicketStatus.RETURNED}
)
