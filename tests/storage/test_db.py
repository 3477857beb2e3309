from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import StorageError, async_url, create_engine_from_settings
from storage.ivr_records import IvrSession
from storage.settings import StorageSettings
from tests.support.databases import postgres_database  # noqa: F401

Sessions = async_sessionmaker[AsyncSession]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("postgresql://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_async_url_gives_the_async_driver(given: str, expected: str) -> None:
    assert async_url(given) == expected


async def test_a_postgresql_pool_has_the_configured_size() -> None:
    # SQLAlchemy's default of 5 + 10 connections made a busy IVR wait for a connection
    assert (StorageSettings().pool_size, StorageSettings().max_overflow) == (20, 20)
    engine = create_engine_from_settings(
        StorageSettings(url="postgresql://u@127.0.0.1:1/db", pool_size=7, max_overflow=3)
    )
    try:
        assert engine.sync_engine.pool.size() == 7  # type: ignore[attr-defined]
        assert engine.sync_engine.pool._max_overflow == 3  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("lifo", [True, False])
async def test_a_postgresql_pool_hands_out_the_connection_returned_last(
    postgres_database: str,  # noqa: F811
    lifo: bool,
) -> None:
    """LIFO (the default): a node's load runs on as few connections as it needs, so only those
    fill their prepared-statement caches; FIFO spread every statement over the whole pool."""
    assert StorageSettings().pool_use_lifo
    engine = create_engine_from_settings(StorageSettings(url=postgres_database, pool_use_lifo=lifo))
    try:
        async with engine.connect() as first, engine.connect() as second:
            first_raw = (await first.get_raw_connection()).driver_connection
            second_raw = (await second.get_raw_connection()).driver_connection
        # both back in the pool, the first returned last (the inner context closes first)
        async with engine.connect() as next_one:
            raw = (await next_one.get_raw_connection()).driver_connection
        assert raw is (first_raw if lifo else second_raw)
    finally:
        await engine.dispose()


def test_async_url_refuses_other_databases() -> None:
    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        async_url("mysql://u@h/db")


async def test_schema_has_every_table(db_engine: AsyncEngine) -> None:
    async with db_engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    assert {
        "customers", "accounts", "bills", "charges", "knowledge_entries",
        "tickets", "ticket_actions", "ivr_sessions", "ivr_steps",
    } <= tables  # fmt: skip


async def test_timestamps_come_back_aware_in_utc(db_sessions: Sessions) -> None:
    beijing = timezone(timedelta(hours=8))
    started = datetime(2024, 6, 1, 9, 30, tzinfo=beijing)
    async with db_sessions() as db:
        row = IvrSession(
            uniqueid="1.1", channel="Local/x", caller_number="1", prefecture="lanzhou",
            language="zh", menu="m", started_at=started,
        )  # fmt: skip
        db.add(row)
        await db.commit()
        row_id = row.id
    async with db_sessions() as db:
        loaded = await db.get(IvrSession, row_id)
        assert loaded is not None
        assert loaded.started_at == started
        assert loaded.started_at.tzinfo is not None
        assert loaded.started_at.utcoffset() == timedelta(0)
        assert loaded.started_at == datetime(2024, 6, 1, 1, 30, tzinfo=UTC)


async def test_naive_timestamps_are_refused(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        db.add(
            IvrSession(
                uniqueid="1.2", channel="Local/x", caller_number="1", prefecture="lanzhou",
                language="zh", menu="m", started_at=datetime(2024, 6, 1, 9, 30),
            )
        )  # fmt: skip
        with pytest.raises(Exception, match="naive datetime"):
            await db.commit()
