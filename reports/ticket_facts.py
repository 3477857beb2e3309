"""The ticket facts the complaint reports need, kept on the tickets themselves.

* **Repeats** (重复投诉): :class:`RepeatClassifier` looks at each new complaint once (a poll every
  few seconds: tickets are opened by the IVR and the desks, which sit below the reports), runs
  :func:`reports.repeats.classify_repeat` against the same customer's and the same responsible
  person's earlier complaints, records the kind and the predecessor's number on the new ticket
  and marks the predecessor ``repeated`` for kinds 1 and 2 (it is then no 一次性解决).
* **越级** complaints: :func:`register_escalation` records the channel (``miit``, ``group``, …)
  on the ticket.
* :func:`ticket_facts` reads the tickets created in a period as :class:`~reports.tickets.TicketFact`
  (reply time and reopening from the history).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.repeats import classify_repeat
from reports.tickets import ESCALATION_CHANNELS, RepeatKind, Severity, TicketFact, TicketKind
from storage.db import dialect_of
from storage.id_chunks import id_chunks, ids_in
from storage.ticket_lifecycle import TicketActionKind
from storage.ticket_lifecycle import TicketKind as StoredKind
from storage.tickets import Ticket, TicketAction, ticket_by_number

__all__ = ["EscalationError", "RepeatClassifier", "fact_of", "register_escalation", "ticket_facts"]

log = structlog.get_logger(__name__)


class EscalationError(ValueError):
    """The 越级 cannot be registered: unknown ticket or channel, or not a complaint."""


async def _history(db: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[datetime | None, bool]]:
    """ticket id -> (first reply, ever reopened).

    The ids go in chunks of a few fixed shapes (one array on PostgreSQL): an ``IN`` list of the
    period's tickets was a new statement at every new ticket, prepared again in each pooled
    connection (the 60-minute soak's node walk: statements of 536-539 parameters)."""
    out: dict[int, tuple[datetime | None, bool]] = {}
    a = TicketAction
    dialect = dialect_of(db)
    kinds = [TicketActionKind.REPLY, TicketActionKind.REOPEN]
    rows = []
    for chunk in id_chunks(ids, dialect):
        of_chunk = ids_in(a.ticket_id, chunk, dialect)
        stmt = select(a.ticket_id, a.action, a.at).where(of_chunk, a.action.in_(kinds))
        rows += list(await db.execute(stmt))
    rows.sort(key=lambda row: row[2])
    for ticket_id, action, at in rows:
        replied, reopened = out.get(ticket_id, (None, False))
        if action is TicketActionKind.REPLY and replied is None:
            replied = at
        if action is TicketActionKind.REOPEN:
            reopened = True
        out[ticket_id] = (replied, reopened)
    return out


def fact_of(t: Ticket, replied_at: datetime | None, reopened: bool) -> TicketFact:
    complaint = t.kind is StoredKind.COMPLAINT
    return TicketFact(
        ticket_id=t.number or str(t.id),
        kind=TicketKind(str(t.kind)),
        prefecture=t.prefecture,
        customer=str(t.customer_id) if t.customer_id is not None else t.caller_number,
        category=t.category or "",
        created_at=t.created_at,
        severity=Severity(str(t.severity)),
        due_at=t.due_at,
        replied_at=replied_at,
        closed_at=t.closed_at,
        reopened=reopened,
        repeated=t.repeated and complaint,
        repeat_kind=RepeatKind(t.repeat_kind) if complaint and t.repeat_kind and t.repeat_of else None,
        repeat_of=t.repeat_of if complaint and t.repeat_kind and t.repeat_of else None,
        escalation_channel=t.escalation_channel if complaint else None,
        responsible=t.responsible,
    )


async def _facts(db: AsyncSession, tickets: Sequence[Ticket]) -> list[TicketFact]:
    history = await _history(db, [t.id for t in tickets])
    return [fact_of(t, *history.get(t.id, (None, False))) for t in tickets]


async def ticket_facts(
    db: AsyncSession, since: datetime, until: datetime, prefecture: str | None = None
) -> list[TicketFact]:
    """The tickets created in ``[since, until)`` (of one prefecture, or all) as facts."""
    stmt = select(Ticket).where(Ticket.created_at >= since, Ticket.created_at < until)
    if prefecture is not None:
        stmt = stmt.where(Ticket.prefecture == prefecture)
    return await _facts(db, list((await db.execute(stmt)).scalars()))


async def register_escalation(db: AsyncSession, number: str, channel: str, now: datetime) -> Ticket:
    """Record that the customer took complaint ``number`` to ``channel`` (caller commits)."""
    if channel not in ESCALATION_CHANNELS:
        raise EscalationError(f"越级 channel {channel!r} is not one of {', '.join(ESCALATION_CHANNELS)}")
    ticket = await ticket_by_number(db, number)
    if ticket is None:
        raise EscalationError(f"no ticket {number}")
    if ticket.kind is not StoredKind.COMPLAINT:
        raise EscalationError(f"ticket {number} is a {ticket.kind}, not a complaint")
    ticket.escalation_channel = channel
    ticket.escalated_at = now
    await db.flush()
    return ticket


class RepeatClassifier:
    """Classify each complaint once, oldest first (see the module docstring)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, window_days: int = 30) -> None:
        self.sessions = sessions
        self.window = timedelta(days=window_days)
        self.classified = 0

    async def run(self, every_s: float) -> None:
        while True:
            try:
                await self.classify_new()
            except Exception as exc:  # the database is away: the tickets wait for the next round
                log.warning("repeat complaints not classified, will retry", error=str(exc))
            await asyncio.sleep(every_s)

    async def classify_new(self, limit: int = 200) -> int:
        """Classify up to ``limit`` unchecked complaints; how many were looked at."""
        async with self.sessions() as db:
            stmt = (
                select(Ticket)
                .where(Ticket.repeat_checked.is_(False), Ticket.kind == StoredKind.COMPLAINT)
                .order_by(Ticket.created_at, Ticket.id)
                .limit(limit)
            )
            fresh = list((await db.execute(stmt)).scalars())
            # the marks are written together at the commit: flushed before each ticket's look-ups,
            # they began the write transaction at the first ticket and held SQLite's one write lock
            # across every look-up after it (seconds on a busy node: the IVR's records waited past
            # the busy timeout, issue 16). The look-ups do not depend on the marks, and the objects
            # they return are the session's own, marks included.
            with db.no_autoflush:
                for ticket in fresh:
                    await self._classify(db, ticket)
            await db.commit()
        self.classified += len(fresh)
        return len(fresh)

    async def _classify(self, db: AsyncSession, ticket: Ticket) -> None:
        same = [Ticket.caller_number == ticket.caller_number]
        if ticket.customer_id is not None:
            same.append(Ticket.customer_id == ticket.customer_id)
        if ticket.responsible:
            same.append(Ticket.responsible == ticket.responsible)
        stmt = select(Ticket).where(
            Ticket.kind == StoredKind.COMPLAINT,
            Ticket.id != ticket.id,
            Ticket.created_at >= ticket.created_at - self.window,
            Ticket.created_at < ticket.created_at,
            or_(*same),
        )
        earlier = list((await db.execute(stmt)).scalars())
        facts = await _facts(db, [ticket, *earlier])
        new, before = facts[0], facts[1:]
        match = classify_repeat(new, before, self.window)
        ticket.repeat_checked = True
        if match is None:
            return
        ticket.repeat_kind, ticket.repeat_of = str(match.kind), match.predecessor
        if match.kind is not RepeatKind.SAME_PERSON_SAME_TYPE:
            predecessor = next(t for t in earlier if (t.number or str(t.id)) == match.predecessor)
            predecessor.repeated = True
        log.info(
            "repeat complaint",
            ticket=ticket.number,
            kind=str(match.kind),
            predecessor=match.predecessor,
            at=datetime.now(UTC).isoformat(),
        )
