"""The database: one declarative ``Base``, an async engine built from settings, the schema, sessions.

Generic on purpose: every model module in :mod:`storage` declares its tables on :class:`Base`,
and :func:`create_schema` imports all of them (:func:`load_models`) before creating the tables, so a
new module (users, agents, calls, ...) needs no registration here.

URLs: SQLite by default (``sqlite+aiosqlite:///var/hotline.sqlite3``), PostgreSQL by URL. Plain
driver-less URLs are accepted and given the async driver: ``sqlite:///x.db`` becomes
``sqlite+aiosqlite:///x.db`` and ``postgresql://...`` becomes ``postgresql+asyncpg://...``.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import structlog
from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from storage.settings import StorageSettings

log = structlog.get_logger(__name__)

T = TypeVar("T")

SQLITE_BUSY, SQLITE_LOCKED = 5, 6  # primary result codes (the low byte of an extended code)

# Stable constraint names, so PostgreSQL and SQLite schemas (and future migrations) agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table of the hotline."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StorageError(Exception):
    """The database cannot be used as configured (bad URL, unsupported dialect)."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone; PostgreSQL's ``timestamptz`` does. Either way Python code only ever
    sees aware datetimes, and naive ones are refused on the way in (they are a bug).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum: type[StrEnum], length: int = 24) -> Enum:
    """A portable enum column: VARCHAR holding the enum's values (same on SQLite and PostgreSQL)."""
    return Enum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def async_url(url: str) -> str:
    """``url`` with the async driver this project uses for its dialect."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StorageError(f"storage.url: cannot parse {url!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    drivers = {
        "sqlite": "sqlite+aiosqlite",
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
    }
    if backend not in drivers:
        raise StorageError(f"storage.url: unsupported database {backend!r} (use sqlite or postgresql)")
    _, sep, rest = url.partition("://")
    return drivers[backend] + sep + rest


def create_engine_from_settings(settings: StorageSettings) -> AsyncEngine:
    """An async engine for ``settings.url``; a SQLite file's folder is created when missing."""
    url = make_url(async_url(settings.url))
    kwargs: dict[str, Any] = {"echo": settings.echo}
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs.update(
            pool_pre_ping=True,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_use_lifo=settings.pool_use_lifo,
        )
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", SqlitePragmas(settings))
    return engine


class SqlitePragmas:
    """What every SQLite connection is set to when it is opened: foreign keys enforced, a wait of
    ``sqlite_busy_timeout_ms`` for another connection's lock, and the journal ``sqlite_journal``
    names.

    WAL (the default): readers see the last commit and never wait for the writer, the writer never
    waits for readers, and a commit appends to the log (synced at checkpoints only, with
    ``synchronous=NORMAL``: a power cut may lose the last commits, never corrupt the file). With the
    rollback journal a commit waits until every reader has finished and then syncs the journal
    and the file, each time holding the lock every other writer waits for. The journal mode is the
    file's (it persists): a file in WAL is put back to the rollback journal only when no other
    connection has it open, else it stays in WAL and this is logged.
    """

    def __init__(self, settings: StorageSettings) -> None:
        self.journal = settings.sqlite_journal
        self.busy_timeout_ms = settings.sqlite_busy_timeout_ms

    def __call__(self, dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            if self.journal == "wal":
                cursor.execute("PRAGMA journal_mode=WAL")  # an in-memory database answers "memory"
                cursor.execute("PRAGMA synchronous=NORMAL")
            else:
                cursor.execute("PRAGMA journal_mode")
                if str(cursor.fetchone()[0]).lower() == "wal":
                    self._leave_wal(cursor)
        finally:
            cursor.close()

    @staticmethod
    def _leave_wal(cursor: Any) -> None:
        try:
            cursor.execute("PRAGMA journal_mode=DELETE")
        except Exception as exc:  # another connection has the file open: it stays in WAL
            log.warning("storage.sqlite_journal_kept", journal="wal", error=repr(exc))


def load_models() -> None:
    """Import every module of :mod:`storage` so that all tables are declared on ``Base``."""
    package = importlib.import_module("storage")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"storage.{info.name}")


async def create_schema(engine: AsyncEngine) -> None:
    """Create every table that does not exist yet."""
    load_models()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def drop_schema(engine: AsyncEngine) -> None:
    """Drop every table, and the migrations' record of the schema (tests, ``hotline seed --reset``)."""
    load_models()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")  # storage.migrate's


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_of(db: AsyncSession) -> str:
    """``postgresql`` or ``sqlite``: the dialect of the database the session is bound to."""
    bind = db.get_bind()
    return bind.dialect.name


def row_id(text: str) -> int | None:
    """A row id written as text (a channel variable, a hand-off): ASCII digits within a BIGINT
    (fewer than 19 of them), else None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def database_locked(exc: BaseException) -> bool:
    """SQLite answered "database is locked" (or "database table is locked"): another connection
    holds the lock, nothing of the transaction was committed, and trying again later may succeed."""
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return "is locked" in str(exc.orig)


LOCKED_RETRY_S = 10.0  # how long a call's write (its IVR record, its ticket) is tried while SQLite is locked


async def retry_locked(
    write: Callable[[], Awaitable[T]], *, within_s: float = LOCKED_RETRY_S, pause_s: float = 0.05
) -> T:
    """``write()`` — one whole transaction, run again from its start — tried again while SQLite
    answers "database is locked", until ``within_s`` has passed; then its last error is raised.

    Each try already waits up to the busy timeout for the lock; trying again covers a writer that
    holds it longer on a busy node, and a lock refused at once without waiting (SQLite does so
    when waiting could deadlock). Any other error is raised at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        try:
            return await write()
        except OperationalError as exc:
            if not database_locked(exc) or loop.time() + pause_s >= deadline:
                raise
        await asyncio.sleep(pause_s)
