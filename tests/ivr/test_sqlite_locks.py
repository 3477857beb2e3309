"""On SQLite the IVR writes its call record in the call's path (no sequences, so nothing is
written behind): a connection reading meanwhile must not make it lose the record (issue 16)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from ivr.handler import run_ivr
from ivr.menu import Menu
from ivr.settings import IvrSettings
from storage.db import create_engine_from_settings, session_factory
from storage.ivr_records import IvrOutcome, IvrSession, ivr_steps
from storage.settings import StorageSettings
from tests.ivr.conftest import TODAY, Clock
from tests.ivr.scripted_caller import TIMEOUT, ScriptedCaller
from tests.support.demo_databases import demo_sqlite_file


async def test_a_call_keeps_its_record_while_another_connection_reads(
    tmp_path: Path, hotline_menu: Menu
) -> None:
    url = await demo_sqlite_file(tmp_path / "hotline.sqlite3", TODAY, seed=11)
    # a short wait for locks: with the rollback journal the record would be lost after it
    engine = create_engine_from_settings(StorageSettings(url=url, sqlite_busy_timeout_ms=200))
    sessions = session_factory(engine)
    # a report (or another process) in the middle of a read: its read transaction stays open
    reader = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM ivr_sessions").fetchone() == (0,)
        caller = ScriptedCaller.calling(TIMEOUT, TIMEOUT, TIMEOUT)
        outcome = await run_ivr(caller, sessions, hotline_menu, IvrSettings(), clock=Clock())
        assert outcome is IvrOutcome.TRANSFERRED
        assert caller.variables["HOTLINE_IVR_SESSION"]  # the record's id went with the call
        async with sessions() as db:
            record = (await db.execute(select(IvrSession))).scalar_one()
            steps = await ivr_steps(db, record.id)
        assert record.outcome is IvrOutcome.TRANSFERRED and record.ended_at is not None
        assert [s.node for s in steps][-1] == "agent_general"
    finally:
        reader.close()
        await engine.dispose()


async def test_a_call_keeps_its_record_while_another_writer_holds_the_lock_past_the_busy_timeout(
    tmp_path: Path, hotline_menu: Menu
) -> None:
    """WAL lets one writer in at a time: a write waits for the lock up to the busy timeout (200 ms
    here) and then fails; the IVR tries its record again until SAVE_TIMEOUT_S has passed."""
    url = await demo_sqlite_file(tmp_path / "hotline.sqlite3", TODAY, seed=11)
    engine = create_engine_from_settings(StorageSettings(url=url, sqlite_busy_timeout_ms=200))
    sessions = session_factory(engine)
    writer = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # a long write transaction of another part of the node
        asyncio.get_running_loop().call_later(0.7, writer.execute, "COMMIT")
        caller = ScriptedCaller.calling(TIMEOUT, TIMEOUT, TIMEOUT)
        outcome = await run_ivr(caller, sessions, hotline_menu, IvrSettings(), clock=Clock())
        assert outcome is IvrOutcome.TRANSFERRED
        async with sessions() as db:
            record = (await db.execute(select(IvrSession))).scalar_one()
        assert record.outcome is IvrOutcome.TRANSFERRED
        assert caller.variables["HOTLINE_IVR_SESSION"] == str(record.id)
    finally:
        writer.close()
        await engine.dispose()
