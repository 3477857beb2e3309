"""PostgreSQL unreachable for 30 s while callers go through the IVR (a TCP proxy in front of the
machine's server refuses and drops every connection): each caller files a billing complaint and
hears its ticket number (every fourth hangs up half-way: the complaint is kept as abandoned); the
IVR's call records (opened, closed with their steps) and the tickets opened meanwhile are kept by
:class:`ivr.row_writer.IvrRowWriter` and written when the database is back — every row once,
under the number the caller heard.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.actions.catalogue import VOCABULARY
from ivr.handler import run_ivr
from ivr.menu_loader import load_menu
from ivr.row_writer import IvrRowWriter, PendingRow, running_row_writer
from ivr.settings import IvrSettings
from node.root import DEFAULT_MENU
from storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
from storage.ivr_records import IvrOutcome, IvrSession, IvrStep
from storage.settings import StorageSettings
from storage.ticket_lifecycle import TicketKind, TicketStatus
from storage.tickets import Ticket
from tests.cti.ami.tcp_proxy import TcpProxy
from tests.ivr.scripted_caller import HANGUP, ScriptedCaller, environment
from tests.support.databases import postgres_database  # noqa: F401

from .test_database_outage import OUTAGE_S, through

pytestmark = pytest.mark.postgres

CALL_EVERY_S = 2.0
CALLS = 26  # from 4 s before the cut to 18 s after it
CUT_AFTER_S = 4.0


def hangs_up(i: int) -> bool:
    return i % 4 == 3  # every fourth caller hangs up half-way: the complaint is kept as abandoned


def complaining_caller(i: int) -> ScriptedCaller:
    if hangs_up(i):
        caller = ScriptedCaller.calling("3", "1", HANGUP)
    else:
        caller = ScriptedCaller.calling("3", "1", "3")  # complaint > billing dispute > usage
    caller.env = environment(callerid=f"1390000{i:04d}", uniqueid=f"1718000000.{i}")
    return caller


def number_heard(caller: ScriptedCaller) -> str:
    said = [h.removeprefix("digits:") for h in caller.heard if h.startswith("digits:")]
    assert said, f"no ticket number read back: {caller.heard}"
    assert len(set(said)) == 1  # read twice, the same number
    return said[0]


async def rows_written(sessions: async_sessionmaker[AsyncSession]) -> tuple[list[IvrSession], list[Ticket]]:
    async with sessions() as db:
        records = list((await db.execute(select(IvrSession))).scalars())
        tickets = list((await db.execute(select(Ticket))).scalars())
    return records, tickets


async def test_ivr_rows_and_tickets_survive_a_database_outage(postgres_database: str) -> None:  # noqa: F811
    direct = create_engine_from_settings(StorageSettings(url=postgres_database))
    await drop_schema(direct)  # the database is shared by the session's tests
    await create_schema(direct)
    target = urlsplit(postgres_database)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    engine = create_engine_from_settings(StorageSettings(url=through(postgres_database, proxy)))
    sessions = session_factory(engine)
    menu = load_menu(DEFAULT_MENU, VOCABULARY)
    loop = asyncio.get_running_loop()
    started: dict[int, float] = {}
    times: dict[str, float] = {}
    most_waiting = 0

    async def cut() -> None:
        await asyncio.sleep(CUT_AFTER_S)
        proxy.refuse = True
        proxy.kill_all()
        times["down"] = loop.time()
        await asyncio.sleep(OUTAGE_S)
        proxy.refuse = False
        times["up"] = loop.time()

    async def watch(rows: IvrRowWriter) -> None:
        nonlocal most_waiting
        while True:
            most_waiting = max(most_waiting, len(rows))
            await asyncio.sleep(0.1)

    try:
        async with running_row_writer(sessions) as rows:
            rows.retry_max_s = 2.0
            watcher = asyncio.create_task(watch(rows))
            callers = [complaining_caller(i) for i in range(CALLS)]

            async def call(i: int) -> IvrOutcome:
                await asyncio.sleep(i * CALL_EVERY_S)
                started[i] = loop.time()
                return await run_ivr(callers[i], sessions, menu, IvrSettings(), rows=rows)

            outcomes, _ = await asyncio.gather(asyncio.gather(*(call(i) for i in range(CALLS))), cut())
            async with asyncio.timeout(60):
                while len(rows):
                    rows.written.clear()
                    await rows.written.wait()
            watcher.cancel()
        assert proxy.refused > 0, "the IVR tried the database during the outage"
        in_outage = [i for i, t in started.items() if times["down"] < t < times["up"]]
        assert len(in_outage) >= 12, "calls went through the IVR while the database was away"
        assert most_waiting > 0, "rows waited for the database"
        expected = [IvrOutcome.ABANDONED if hangs_up(i) else IvrOutcome.QUEUED for i in range(CALLS)]
        assert outcomes == expected, "every caller was queued to an agent, or hung up"

        records, tickets = await rows_written(session_factory(direct))
        per_call = Counter(r.uniqueid for r in records)
        assert per_call == Counter({c.env.uniqueid: 1 for c in callers}), "one IVR record per call"
        by_number = {t.number: t for t in tickets}
        heard = {number_heard(c) for i, c in enumerate(callers) if not hangs_up(i)}
        assert len(by_number) == len(tickets) == CALLS, "one ticket per call"
        assert {n for n, t in by_number.items() if t.status is TicketStatus.ACCEPTED} == heard
        abandoned = [t for t in tickets if t.status is TicketStatus.ABANDONED_IN_IVR]
        assert len(abandoned) == sum(hangs_up(i) for i in range(CALLS))
        async with session_factory(direct)() as db:
            steps = list((await db.execute(select(IvrStep))).scalars())
        for record in records:
            assert record.ended_at is not None and record.outcome in (IvrOutcome.QUEUED, IvrOutcome.ABANDONED)
            if record.outcome is IvrOutcome.QUEUED:
                assert record.path == "main>3>billing_dispute>usage"
            seqs = [s.seq for s in steps if s.session_id == record.id]
            assert seqs and len(seqs) == len(set(seqs)), f"steps of {record.uniqueid} written once"
            ticket = next(t for t in tickets if t.ivr_session_id == record.id)
            assert record.ticket_id == ticket.id and ticket.kind is TicketKind.COMPLAINT
    finally:
        await engine.dispose()
        await direct.dispose()
        await proxy.stop()


class RememberingWriter(IvrRowWriter):
    """Keeps every row it was given, to give them again."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions)
        self.given: list[PendingRow] = []

    def keep(self, row: PendingRow) -> None:
        self.given.append(row)
        super().keep(row)


async def test_rows_written_again_are_not_added_twice(postgres_database: str) -> None:  # noqa: F811
    """Rows written again after their commit (its answer lost with the connection) add nothing."""
    engine = create_engine_from_settings(StorageSettings(url=postgres_database))
    await drop_schema(engine)
    await create_schema(engine)
    sessions = session_factory(engine)
    try:
        caller = complaining_caller(1)
        writer = RememberingWriter(sessions)
        await writer.top_up()
        menu = load_menu(DEFAULT_MENU, VOCABULARY)
        assert await run_ivr(caller, sessions, menu, IvrSettings(), rows=writer) is IvrOutcome.QUEUED
        assert await writer.flush() == 3  # written behind
        before = await rows_written(sessions)
        assert [type(r).__name__ for r in writer.given] == ["OpenRecord", "OpenTicket", "CloseRecord"]
        for row in writer.given:
            writer.submit(row)
        assert await writer.flush() == 0
        assert writer.duplicates == 3
        after = await rows_written(sessions)
        assert len(after[0]) == 1 and [r.id for r in after[0]] == [r.id for r in before[0]]
        assert [t.number for t in after[1]] == [number_heard(caller)]
        async with sessions() as db:
            steps = list((await db.execute(select(IvrStep))).scalars())
        assert len(steps) == len({s.seq for s in steps}) > 0
    finally:
        await engine.dispose()
