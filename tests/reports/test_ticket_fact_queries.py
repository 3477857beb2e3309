"""The complaint reports read their tickets' history in a few statement shapes however many
tickets the period holds (an ``IN`` list of every ticket's id was a new SQL text, and a new
prepared statement in each pooled connection, at every new ticket: the 60-minute soak's node walk
found statements of 536-539 parameters), and still find each ticket's first reply and reopening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reports.ticket_facts import ticket_facts
from storage.ticket_lifecycle import TicketActionKind, TicketKind
from storage.tickets import NewTicket, TicketAction, open_ticket
from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


async def test_ticket_facts_use_the_same_statements_for_3_and_70_tickets(
    db_engine: AsyncEngine,  # noqa: F811
    db_sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    seen: list[str] = []
    opened: list[int] = []

    def capture(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        if "ticket_actions" in statement:
            seen.append(statement)

    async def statements_with(count: int) -> set[str]:
        async with db_sessions() as db:
            while len(opened) < count:
                n = len(opened)
                new = NewTicket(
                    TicketKind.COMPLAINT, "lanzhou", f"138{n:08d}", "agent", category="billing_dispute"
                )
                ticket = await open_ticket(db, new, T0 + timedelta(minutes=n))
                opened.append(ticket.id)
                if n % 2 == 0:  # every other ticket replied to twice: the first reply counts
                    for minutes in (30, 10):
                        at = T0 + timedelta(minutes=n + minutes)
                        db.add(
                            TicketAction(ticket_id=ticket.id, at=at, action=TicketActionKind.REPLY, actor="a")
                        )
                if n % 3 == 0:
                    at = T0 + timedelta(hours=5)
                    db.add(
                        TicketAction(ticket_id=ticket.id, at=at, action=TicketActionKind.REOPEN, actor="a")
                    )
            await db.commit()
            seen.clear()
            facts = await ticket_facts(db, T0, T0 + timedelta(days=1))
        assert len(facts) == count
        for n, fact in enumerate(sorted(facts, key=lambda f: f.created_at)):
            assert fact.replied_at == (T0 + timedelta(minutes=n + 10) if n % 2 == 0 else None)
            assert fact.reopened == (n % 3 == 0)
        return set(seen)

    event.listen(db_engine.sync_engine, "before_cursor_execute", capture)
    try:
        few = await statements_with(3)
        assert few and few == await statements_with(5)
        if db_engine.dialect.name == "postgresql":  # one array parameter, past the chunk sizes too
            assert few == await statements_with(70)
            assert all(s.count("$") < 10 for s in few), few  # not one parameter per ticket
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", capture)
