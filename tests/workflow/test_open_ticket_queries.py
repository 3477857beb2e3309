"""The watch's look-up of open tickets keeps a few statement shapes however many tickets are open
(an ``IN`` list of every open ticket's id was a new SQL text, and a new prepared statement, at
every tick as tickets opened), and still finds every ticket's facts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.id_chunks import CHUNK_SIZES, id_chunks
from storage.ticket_lifecycle import TicketKind
from storage.tickets import NewTicket, open_ticket
from workflow.facts import open_tickets

T0 = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)


def test_chunks_come_in_few_sizes_and_hold_every_id() -> None:
    for n in (1, 7, 8, 9, 63, 65, 511, 512, 513, 1500):
        ids = list(range(100, 100 + n))
        chunks = list(id_chunks(ids))
        assert all(len(c) in CHUNK_SIZES for c in chunks)
        assert sorted(set().union(*chunks)) == ids
    assert list(id_chunks([])) == []


def test_on_postgresql_the_ids_go_at_once_as_one_array() -> None:
    ids = list(range(100, 1600))
    assert list(id_chunks(ids, "postgresql")) == [ids]
    assert list(id_chunks([], "postgresql")) == []


async def test_open_tickets_are_read_with_the_same_statements_for_3_and_5_tickets(
    db_engine: AsyncEngine, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    seen: list[str] = []

    def capture(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    async def statements_with(count: int) -> set[str]:
        async with db_sessions() as db:
            while len(await open_tickets(db)) < count:
                new = NewTicket(
                    TicketKind.COMPLAINT, "lanzhou", "13800000001", "agent", category="billing_dispute"
                )
                await open_ticket(db, new, T0)
                await db.commit()
            seen.clear()
            found = await open_tickets(db)
        assert len(found) == count
        return set(seen)

    event.listen(db_engine.sync_engine, "before_cursor_execute", capture)
    try:
        assert await statements_with(3) == await statements_with(5)
        if db_engine.dialect.name == "postgresql":  # one array parameter, past the chunk sizes too
            few = await statements_with(9)
            assert few == await statements_with(70)
            assert all(s.count("$") < 10 for s in few), few  # not one parameter per id
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", capture)
