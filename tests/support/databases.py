"""Databases for tests: every storage test runs on SQLite and on PostgreSQL.

Use from a ``conftest.py``::

    from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401

``database_url`` is parametrised ``sqlite`` / ``postgres`` (the latter marked ``postgres``), so each
test using it (directly or through ``db_engine`` / ``db_sessions``) runs twice. SQLite gets a fresh
file per test. PostgreSQL gets one fresh database per test session, ``hotline_test_<random>``,
created through the admin URL (env ``HOTLINE_TEST_POSTGRES_ADMIN_URL``, default
``postgresql://postgres@127.0.0.1:5432/postgres``) and dropped at the end; each test starts from a
freshly created schema in it. Where PostgreSQL is unreachable its tests are skipped with a message,
unless ``HOTLINE_REQUIRE_SERVICES=1`` (CI), where that is a failure. Tests that start from the demo
data take their own seeded copy instead (``tests/support/demo_databases.py``: seeded once per
session, copied per test).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
from storage.settings import StorageSettings

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return os.environ.get("HOTLINE_TEST_POSTGRES_ADMIN_URL", DEFAULT_ADMIN_URL)


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL unavailable at {postgres_admin_url()}: {reason}"
    if os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (HOTLINE_REQUIRE_SERVICES=1: this run must not skip it)")
    pytest.skip(message)


async def _admin(statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(postgres_admin_url(), timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _with_database(admin_url: str, name: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


def _fresh_database() -> Iterator[str]:
    """URL of a new PostgreSQL database, dropped when the generator closes."""
    name = f"hotline_test_{secrets.token_hex(6)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable server, refused login, ...
        _unavailable(f"{type(exc).__name__}: {exc}")
    try:
        yield _with_database(postgres_admin_url(), name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session (dropped afterwards)."""
    yield from _fresh_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_database")
        return url
    return f"sqlite+aiosqlite:///{tmp_path / 'hotline.sqlite3'}"


@pytest.fixture
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty, freshly created schema."""
    engine = create_engine_from_settings(StorageSettings(url=database_url))
    try:
        await drop_schema(engine)
        await create_schema(engine)
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def db_sessions(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(db_engine)


@pytest.fixture
def own_postgres_database() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for one test (dropped afterwards): for code that drops
    and builds its own schema, which must not touch the session's shared database."""
    yield from _fresh_database()
