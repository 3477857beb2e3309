"""The seeded copies of ``tests/support/demo_databases.py``: each holds what seeding gives, and is
its own (what one test writes, no other test sees)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from demo.data import DEMO_CUSTOMERS, seed_demo_data
from storage.customers import Customer
from storage.db import Base, session_factory
from tests.support.demo_databases import demo_sessions

TODAY = date(2024, 6, 10)
SEED = 5


async def _rows(db: AsyncSession) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows in key order, without the hashes (argon2 salts differ each time)."""
    tables: dict[str, list[tuple[object, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if not c.name.endswith("_hash")]
        order = list(table.primary_key.columns) or columns
        result = await db.execute(select(*columns).order_by(*order))
        tables[table.name] = [tuple(row) for row in result]
    return tables


def _another(url: str, folder: Path) -> str:
    """A second place of the same kind: a SQLite copy is the file its URL names."""
    if make_url(url).get_backend_name() == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'another.sqlite3'}"
    return url


async def test_a_copy_holds_what_seeding_the_database_gives(db_engine: AsyncEngine, tmp_path: Path) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    async with session_factory(db_engine)() as db:
        await seed_demo_data(db, TODAY, seed=SEED)
        await db.commit()
        seeded = await _rows(db)
    async with demo_sessions(_another(url, tmp_path), TODAY, seed=SEED) as sessions, sessions() as db:
        copied = await _rows(db)
    assert sum(map(len, seeded.values())) > 500
    assert copied == seeded


async def test_what_one_copy_is_written_no_copy_made_later_sees(database_url: str, tmp_path: Path) -> None:
    async with demo_sessions(database_url, TODAY, seed=SEED) as first:
        async with first() as db:
            await db.execute(update(Customer).values(name="written"))
            await db.commit()
        async with demo_sessions(_another(database_url, tmp_path), TODAY, seed=SEED) as later:
            written = [await _count_written(sessions) for sessions in (first, later)]
    assert written == [len(DEMO_CUSTOMERS), 0]


async def _count_written(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as db:
        query = select(func.count()).select_from(Customer).where(Customer.name == "written")
        return (await db.execute(query)).scalar_one()
