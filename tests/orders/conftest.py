from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from demo.data import seed_demo_data
from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401

TODAY = date(2024, 6, 10)
NOW = datetime(2024, 6, 10, 10, 0, tzinfo=UTC)  # 18:00 in Beijing


@pytest.fixture
async def seeded(db_sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:  # noqa: F811
    async with db_sessions() as db:
        await seed_demo_data(db, TODAY, seed=3)
        await db.commit()
    return db_sessions


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW
