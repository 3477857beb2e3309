"""The schema's migrations: the migrated schema is the models' (SQLite and PostgreSQL), revision 0001
is release 3a4dcab's schema, and a database of that release is upgraded with every row kept.

Release 3a4dcab's own code builds its database: the test extracts that release's tree from git
(``git archive 3a4dcab``) and runs ``release_3a4dcab.py`` with it first on the path.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tarfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine_from_settings, create_schema
from storage.migrate import BASELINE, current_revision, head_revision, schema_diff, upgrade
from storage.settings import StorageSettings
from tests.support.databases import _admin, _unavailable, _with_database, postgres_admin_url

RELEASE = "3a4dcab"
ROOT = Path(__file__).resolve().parents[3]
BUILDER = Path(__file__).with_name("release_3a4dcab.py")


@pytest.fixture(scope="module")
def release_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Release 3a4dcab's source tree, from this repository's history."""
    where = tmp_path_factory.mktemp("release")
    archive = where / "release.tar"
    known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{RELEASE}^{{commit}}"], check=False)
    if known.returncode != 0:
        pytest.skip(f"release {RELEASE} is not in this checkout's history (a shallow clone or an sdist)")
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), RELEASE, "cti", "acd"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(where / "tree", filter="data")
    return where / "tree"


def run_release(tree: Path, what: str, url: str) -> Any:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(BUILDER), what, url], capture_output=True, text=True, env=env, timeout=240
    )
    if done.returncode != 0:
        raise AssertionError(f"release {RELEASE} {what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (PostgreSQL: a fresh database, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'hotline.sqlite3'}"
        return
    name = f"hotline_migrate_{secrets.token_hex(5)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        _unavailable(f"{type(exc).__name__}: {exc}")
    try:
        yield _with_database(postgres_admin_url(), name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def engine(empty_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_from_settings(StorageSettings(url=empty_url))
    try:
        yield engine
    finally:
        await engine.dispose()


async def differences(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return await conn.run_sync(schema_diff)


async def test_the_migrated_schema_is_the_models(engine: AsyncEngine) -> None:
    assert await upgrade(engine) == head_revision()
    assert await differences(engine) == []
    # the comparison sees what the models have and the database lacks
    async with engine.begin() as conn:
        await conn.execute(text("DROP INDEX ix_tickets_repeat_checked"))
    assert [d[0] for d in await differences(engine)] == ["add_index"]


async def test_a_second_upgrade_changes_nothing(engine: AsyncEngine) -> None:
    await upgrade(engine)
    assert await upgrade(engine) == head_revision()
    assert await current_revision(engine) == head_revision()


async def test_a_database_made_by_create_all_is_adopted_at_head(engine: AsyncEngine) -> None:
    await create_schema(engine)
    assert await current_revision(engine) is None
    assert await upgrade(engine) == head_revision()
    assert await differences(engine) == []


async def test_the_first_revision_is_release_3a4dcab(
    engine: AsyncEngine, empty_url: str, release_tree: Path
) -> None:
    assert await upgrade(engine, BASELINE) == BASELINE
    assert run_release(release_tree, "diff", empty_url) == []
    # and the comparison can fail: today's schema is not that release's
    await upgrade(engine)
    assert run_release(release_tree, "diff", empty_url) != []


def _table(conn: Connection, table: str, columns: list[str]) -> list[dict[str, str]]:
    result = conn.execute(text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"))
    return [{k: str(v) for k, v in row._mapping.items()} for row in result]


async def test_an_upgrade_from_release_3a4dcab_keeps_every_row(
    engine: AsyncEngine, empty_url: str, release_tree: Path
) -> None:
    before: dict[str, list[dict[str, str]]] = run_release(release_tree, "build", empty_url)
    assert len(before) == 14 and all(before.values()), {t: len(r) for t, r in before.items()}
    assert await current_revision(engine) is None

    assert await upgrade(engine) == head_revision()

    assert await differences(engine) == []
    async with engine.connect() as conn:
        for table, rows in before.items():
            after = await conn.run_sync(_table, table, list(rows[0]))
            assert after == rows, table
        knowledge = await conn.run_sync(
            _table, "knowledge_entries", ["key", "prompt_id", "version", "search_text", "effective_from"]
        )
        old_knowledge = before["knowledge_entries"]
    assert [k["key"] for k in knowledge] == [k["prompt_id"] for k in old_knowledge]
    assert {k["version"] for k in knowledge} == {"1"}
    assert [k["effective_from"] for k in knowledge] == [k["updated_at"] for k in old_knowledge]
    searched = [f"{o['title']} {o['text']}".lower() for o in old_knowledge]
    assert [k["search_text"] for k in knowledge] == searched
