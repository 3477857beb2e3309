"""Databases holding the demo data (``demo.data.seed_demo_data``), seeded once per test session.

Seeding costs a few seconds (thousands of rows, hashed PINs and passwords), so it is done once per
database kind and per ``(today, seed)`` it is called with, into a template; each test gets its own
copy, which it may write as it likes without another test seeing it:

- SQLite: the template is a file in a folder of this session; a test's copy is that file copied
  to the path its URL names (with its write-ahead log, if one was left: WAL is the default journal).
- PostgreSQL: the template is a database, ``<session database>_demo_<n>``; a test's copy is
  ``CREATE DATABASE ... TEMPLATE`` of it (a copy of the files, no rows replayed), dropped when the
  test is done. A template must have no open connection when it is copied: the engine that
  seeded it is disposed before any copy is made.

Use ``demo_database(url, today, seed)`` (the URL of a seeded copy of the kind ``url`` names, e.g. the
``database_url`` fixture's), ``demo_sessions`` (sessions on one) or, where only SQLite is used,
``demo_sqlite_file(path, today, seed)``. ``tests/conftest.py`` drops the templates when the session
ends (``drop_demo_templates``).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from demo.data import seed_demo_data
from storage.db import create_engine_from_settings, create_schema, session_factory
from storage.settings import StorageSettings
from tests.support.databases import _admin, _unavailable, _with_database, postgres_admin_url

DEFAULT_SEED = 2024  # seed_demo_data's own default

# (today, seed) → the template: a SQLite file, or the name of a PostgreSQL database
_sqlite_templates: dict[tuple[date, int], Path] = {}
_postgres_templates: dict[tuple[date, int], str] = {}
_folder: list[Path] = []  # this session's folder of SQLite templates, made on first use
_session_tag = secrets.token_hex(4)  # in the PostgreSQL names: parallel workers do not collide


async def _seed(url: str, today: date, seed: int) -> None:
    engine = create_engine_from_settings(StorageSettings(url=url))
    try:
        await create_schema(engine)
        async with session_factory(engine)() as db:
            await seed_demo_data(db, today, seed=seed)
            await db.commit()
    finally:
        await engine.dispose()  # no connection left open: the template can be copied


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _sqlite_folder() -> Path:
    if not _folder:
        _folder.append(Path(tempfile.mkdtemp(prefix="hotline-demo-")))
    return _folder[0]


async def _sqlite_template(today: date, seed: int) -> Path:
    key = (today, seed)
    if key not in _sqlite_templates:
        path = _sqlite_folder() / f"demo-{today.isoformat()}-{seed}.sqlite3"
        try:
            await _seed(f"sqlite+aiosqlite:///{path}", today, seed)
        except BaseException:
            _remove(path)  # a half-seeded file is no template
            raise
        _sqlite_templates[key] = path
    return _sqlite_templates[key]


async def _postgres_template(today: date, seed: int) -> str:
    key = (today, seed)
    if key not in _postgres_templates:
        name = f"hotline_test_{_session_tag}_demo_{len(_postgres_templates)}"
        try:
            await _admin(f'CREATE DATABASE "{name}"')
        except Exception as exc:  # unreachable server, refused login, ...
            _unavailable(f"{type(exc).__name__}: {exc}")
        try:
            await _seed(_with_database(postgres_admin_url(), name), today, seed)
        except BaseException:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            raise
        _postgres_templates[key] = name
    return _postgres_templates[key]


async def demo_sqlite_file(path: Path, today: date, seed: int = DEFAULT_SEED) -> str:
    """The URL of the SQLite file ``path`` (which must not exist yet), made a copy of the template
    holding ``seed_demo_data(db, today, seed=seed)``; nothing to clean up but the file."""
    _copy_file(await _sqlite_template(today, seed), path)
    return f"sqlite+aiosqlite:///{path}"


def _copy_file(template: Path, path: Path) -> None:
    if path.exists():
        raise FileExistsError(f"{path}: a demo database is a fresh copy, not added to a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)  # a few MB on a local disk: quicker than a thread hop
    # in WAL the last connection's close writes the log into the file and removes it (the engine
    # that seeded the template is disposed); a log still there holds commits the file does not
    log = template.with_name(template.name + "-wal")
    if log.exists():
        shutil.copyfile(log, path.with_name(path.name + "-wal"))


@asynccontextmanager
async def demo_database(url: str, today: date, seed: int = DEFAULT_SEED) -> AsyncIterator[str]:
    """The URL of a database of ``url``'s kind holding ``seed_demo_data(db, today, seed=seed)``,
    this caller's own: for SQLite the file ``url`` names (made a copy of the template; it must not
    exist yet), for PostgreSQL a new database (``url``'s own is left alone), dropped on exit."""
    if make_url(url).get_backend_name() == "sqlite":
        yield await demo_sqlite_file(Path(make_url(url).database or ""), today, seed)
        return
    template_name = await _postgres_template(today, seed)
    name = f"{template_name}_{secrets.token_hex(4)}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield _with_database(postgres_admin_url(), name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def demo_sessions(
    url: str, today: date, seed: int = DEFAULT_SEED
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a ``demo_database(url, today, seed)``; the engine is disposed on exit."""
    async with demo_database(url, today, seed) as own_url:
        engine = create_engine_from_settings(StorageSettings(url=own_url))
        try:
            yield session_factory(engine)
        finally:
            await engine.dispose()


def drop_demo_templates() -> None:
    """Remove this session's templates (``tests/conftest.py``, when the session ends)."""
    names = list(_postgres_templates.values())
    _postgres_templates.clear()
    _sqlite_templates.clear()

    async def drop() -> None:
        for name in names:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    if names:
        asyncio.run(drop())
    for folder in _folder:
        shutil.rmtree(folder, ignore_errors=True)
    _folder.clear()
