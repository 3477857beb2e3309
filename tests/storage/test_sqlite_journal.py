"""SQLite's journal and lock wait (``storage.sqlite_journal``, ``storage.sqlite_busy_timeout_ms``).

Issue 16: under load the node's SQLite answered "database is locked" and the IVR lost call records.
With the rollback journal a commit must wait until no other connection is reading (and new
readers wait for it), so one long read makes every writer give up after the busy timeout; in WAL a
reader never holds up a writer.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from storage.db import (
    create_engine_from_settings,
    create_schema,
    database_locked,
    retry_locked,
    session_factory,
)
from storage.ivr_records import IvrSession
from storage.settings import StorageSettings
from tests.support.demo_databases import _copy_file


def _record(uniqueid: str) -> IvrSession:
    return IvrSession(
        uniqueid=uniqueid, channel="Local/x", caller_number="1", prefecture="lanzhou",
        language="zh", menu="m", started_at=datetime(2024, 6, 1, tzinfo=UTC),
    )  # fmt: skip


async def _pragmas(url: str, **settings: object) -> tuple[str, int, int]:
    engine = create_engine_from_settings(StorageSettings(url=url, **settings))  # type: ignore[arg-type]
    try:
        async with engine.connect() as conn:
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
            synchronous = (await conn.exec_driver_sql("PRAGMA synchronous")).scalar_one()
            busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
    finally:
        await engine.dispose()
    return str(journal), int(synchronous), int(busy)


async def test_a_file_is_in_wal_with_normal_syncs_by_default(tmp_path: Path) -> None:
    assert await _pragmas(f"sqlite:///{tmp_path / 'a.db'}") == ("wal", 1, 5000)  # 1: NORMAL
    # the rollback journal when asked (and the file put back to it), SQLite's FULL syncs
    assert await _pragmas(f"sqlite:///{tmp_path / 'a.db'}", sqlite_journal="delete") == ("delete", 2, 5000)
    assert (await _pragmas(f"sqlite:///{tmp_path / 'a.db'}", sqlite_busy_timeout_ms=250))[2] == 250


@pytest.mark.parametrize(
    "url",
    ["sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///file::memory:?cache=shared&uri=true"],
)
async def test_in_memory_databases_keep_working(url: str) -> None:
    assert (await _pragmas(url))[0] == "memory"
    engine = create_engine_from_settings(StorageSettings(url=url))
    try:
        await create_schema(engine)
        async with session_factory(engine)() as db:
            db.add(_record("1.1"))
            await db.commit()
            assert (await db.execute(select(func.count()).select_from(IvrSession))).scalar_one() == 1
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("journal", "written"), [("wal", True), ("delete", False)])
async def test_a_reader_holds_up_no_writer_in_wal(tmp_path: Path, journal: str, written: bool) -> None:
    """A read transaction kept open (a long report, another process) while a call record is
    written: in WAL the commit goes through at once; with the rollback journal it waits for the
    reader and fails after the busy timeout — what the node lost its IVR records to."""
    path = tmp_path / "h.db"
    settings = StorageSettings(url=f"sqlite:///{path}", sqlite_journal=journal, sqlite_busy_timeout_ms=200)  # type: ignore[arg-type]
    engine = create_engine_from_settings(settings)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        await create_schema(engine)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM ivr_sessions").fetchone() == (0,)
        sessions = session_factory(engine)
        if written:
            async with sessions() as db:
                db.add(_record("1.1"))
                await db.commit()
            # the reader still sees its snapshot; the next transaction sees the row
            assert reader.execute("SELECT count(*) FROM ivr_sessions").fetchone() == (0,)
            reader.execute("COMMIT")
            assert reader.execute("SELECT count(*) FROM ivr_sessions").fetchone() == (1,)
        else:
            with pytest.raises(OperationalError, match="database is locked"):
                async with sessions() as db:
                    db.add(_record("1.1"))
                    await db.commit()
    finally:
        reader.close()
        await engine.dispose()


def test_a_copy_of_a_file_in_wal_holds_the_commits_still_in_its_log(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    keeper = sqlite3.connect(template, isolation_level=None)
    try:
        keeper.execute("PRAGMA journal_mode=WAL")
        keeper.execute("PRAGMA wal_autocheckpoint=0")  # the commits stay in the log
        keeper.execute("CREATE TABLE t (x INTEGER)")
        keeper.execute("INSERT INTO t VALUES (1), (2)")
        assert Path(f"{template}-wal").stat().st_size > 0
        _copy_file(template, tmp_path / "copy.db")
    finally:
        keeper.close()
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("SELECT count(*) FROM t").fetchone() == (2,)
    finally:
        copy.close()


async def test_a_locked_write_is_tried_again_until_its_time_is_up(tmp_path: Path) -> None:
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    tries: list[int] = []

    async def always_locked() -> None:
        tries.append(1)
        raise locked

    with pytest.raises(OperationalError, match="database is locked"):
        await retry_locked(always_locked, within_s=0.2, pause_s=0.02)
    assert 3 <= len(tries) <= 11
    assert database_locked(locked)

    async def no_such_table() -> None:
        tries.append(1)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))

    tries.clear()
    with pytest.raises(OperationalError, match="no such table"):
        await retry_locked(no_such_table, within_s=5.0)
    assert len(tries) == 1  # not a lock: raised at once
