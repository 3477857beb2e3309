"""The IVR's write-behind (ivr.row_writer): rows are kept without waiting for the database and
written in batches, in order, each once; bounded; a row the database refuses holds up no other."""

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ivr.actions.catalogue import VOCABULARY
from ivr.handler import run_ivr
from ivr.menu_loader import load_menu
from ivr.row_writer import CloseRecord, IvrRowWriter, Known, OpenRecord, RowsNotKept, StepRow
from ivr.settings import IvrSettings
from node.root import DEFAULT_MENU
from storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
from storage.ivr_records import IvrOutcome, IvrSession, IvrStep
from storage.settings import StorageSettings
from storage.ticket_lifecycle import TicketStatus
from storage.tickets import Ticket
from tests.ivr.scripted_caller import HANGUP, ScriptedCaller, environment
from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401

AT = datetime(2024, 6, 10, 10, 0, tzinfo=UTC)


def opening(row_id: int) -> OpenRecord:
    return OpenRecord(
        id=row_id,
        uniqueid=f"1718000000.{row_id}",
        channel="Local/hotline@hotline-00000001;2",
        caller_number="13900000001",
        prefecture="province",
        segment="normal",
        language="zh",
        menu="hotline",
        started_at=AT,
    )


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as db:
        return len([r for r in [await db.get(IvrSession, i) for i in (1, 2, 3)] if r is not None])


async def test_rows_kept_at_once_are_written_together(db_sessions: async_sessionmaker[AsyncSession]) -> None:  # noqa: F811
    writer = IvrRowWriter(db_sessions)
    for i in (1, 2, 3):
        writer.keep(opening(i))  # no waiting for the database, even with it there
    assert await count(db_sessions) == 0 and len(writer) == 3
    assert await writer.flush() == 3
    assert await count(db_sessions) == 3 and len(writer) == 0
    writer.keep(opening(2))  # given again (a commit whose answer was lost): nothing added
    assert await writer.flush() == 0 and writer.duplicates == 1


async def test_a_full_buffer_refuses_the_row(db_sessions: async_sessionmaker[AsyncSession]) -> None:  # noqa: F811
    writer = IvrRowWriter(db_sessions, max_buffered=1)
    writer.keep(opening(1))
    with pytest.raises(RowsNotKept):
        writer.keep(opening(2))
    assert writer.pending() == [opening(1)]


class RefusedRow:
    """A row the database will never take (a retry cannot mend it)."""

    def describe(self) -> dict[str, object]:
        return {"row": "refused"}

    async def apply(self, db: AsyncSession, known: Known) -> bool:
        raise IntegrityError("INSERT INTO ivr_sessions ...", {}, Exception("duplicate key"))


async def test_a_row_refused_holds_up_no_other(db_sessions: async_sessionmaker[AsyncSession]) -> None:  # noqa: F811
    writer = IvrRowWriter(db_sessions)
    writer.keep(opening(1))
    writer.submit(RefusedRow())
    writer.keep(opening(2))
    assert await writer.flush() == 2  # the batch failed; each row again on its own
    assert await count(db_sessions) == 2 and len(writer) == 0 and writer.refused == 1


def caller(i: int) -> ScriptedCaller:
    keys = (HANGUP,) if i % 3 == 2 else ("3",)  # complaint > billing dispute > usage; or hangs up
    script = ScriptedCaller.calling("3", "1", *keys)
    script.env = environment(callerid=f"1390000{i:04d}", uniqueid=f"1718000000.{i}")
    return script


@pytest.mark.postgres
async def test_callers_do_not_wait_for_their_rows_which_are_all_written_once(postgres_database: str) -> None:  # noqa: F811
    """While the writes hang (a database slow to commit) callers go through the IVR and hear their
    ticket numbers; then every record, step and ticket is written, each once."""
    engine = create_engine_from_settings(StorageSettings(url=postgres_database))
    await drop_schema(engine)
    await create_schema(engine)
    sessions = session_factory(engine)
    gate = asyncio.Event()

    @contextlib.asynccontextmanager
    async def slow_sessions() -> AsyncIterator[AsyncSession]:
        await gate.wait()
        async with sessions() as db:
            yield db

    writer = IvrRowWriter(sessions)
    await writer.top_up()
    writer.sessions = slow_sessions  # type: ignore[assignment]
    loop = asyncio.create_task(writer.run())
    menu = load_menu(DEFAULT_MENU, VOCABULARY)
    callers = [caller(i) for i in range(30)]
    try:
        async with asyncio.timeout(20):  # without the write-behind, each caller waits for the gate
            outcomes = await asyncio.gather(
                *(run_ivr(c, sessions, menu, IvrSettings(), rows=writer) for c in callers)
            )
        assert outcomes == [IvrOutcome.ABANDONED if i % 3 == 2 else IvrOutcome.QUEUED for i in range(30)]
        assert len(writer) == 30 * 3  # opened, ticket, closed: all waiting
        gate.set()
        async with asyncio.timeout(20):
            while len(writer):
                writer.written.clear()
                await writer.written.wait()
        async with sessions() as db:
            records = list((await db.execute(select(IvrSession))).scalars())
            tickets = list((await db.execute(select(Ticket))).scalars())
            steps = list((await db.execute(select(IvrStep))).scalars())
        assert Counter(r.uniqueid for r in records) == Counter({c.env.uniqueid: 1 for c in callers})
        assert all(r.ended_at is not None for r in records)
        heard = {h.removeprefix("digits:") for c in callers for h in c.heard if h.startswith("digits:")}
        accepted = {t.number for t in tickets if t.status is TicketStatus.ACCEPTED}
        assert len(tickets) == 30 and accepted == heard and len(heard) == 20
        assert {t.ivr_session_id for t in tickets} == {r.id for r in records}
        per_call = Counter((s.session_id, s.seq) for s in steps)
        assert (
            per_call and max(per_call.values()) == 1 and {s for s, _ in per_call} == {r.id for r in records}
        )
        assert writer.duplicates == 0 and writer.refused == 0
    finally:
        gate.set()
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        await engine.dispose()


def closing(row_id: int, steps: int) -> CloseRecord:
    return CloseRecord(
        id=row_id,
        ended_at=AT,
        outcome=IvrOutcome.SELF_SERVED,
        path="main>bill",
        skill=None,
        customer_id=None,
        prefecture="province",
        segment="normal",
        language="zh",
        ticket_id=None,
        steps=tuple(StepRow(i, f"node{i}", "menu", "1", "chosen", AT, AT, 10) for i in range(1, steps + 1)),
    )


async def test_batches_of_any_size_are_written_with_the_same_statements(
    db_engine: AsyncEngine,  # noqa: F811
    db_sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    """A batch's look-ups and steps go in a few statement shapes whatever its size: one per number
    of rows or steps was a new prepared statement each, filling every pooled connection's cache
    (the soak's largest growing container: inserts of ivr_steps with 360-414 parameters)."""
    seen: list[str] = []

    def capture(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    async def statements_of(ids: range, steps: int) -> set[str]:
        writer = IvrRowWriter(db_sessions)
        for i in ids:
            writer.keep(opening(i))
            writer.keep(closing(i, steps))
        seen.clear()
        assert await writer.flush() == 2 * len(ids)
        return set(seen)

    event.listen(db_engine.sync_engine, "before_cursor_execute", capture)
    try:
        assert await statements_of(range(1, 3), 2) == await statements_of(range(3, 8), 7)
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", capture)
    async with db_sessions() as db:
        steps = (await db.execute(select(IvrStep.session_id, IvrStep.seq))).all()
    assert sorted(steps) == sorted(
        [(i, s) for i in (1, 2) for s in (1, 2)] + [(i, s) for i in range(3, 8) for s in range(1, 8)]
    )
