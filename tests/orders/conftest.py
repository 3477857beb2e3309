from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401
from tests.support.demo_databases import demo_sessions

TODAY = date(2024, 6, 10)
NOW = datetime(2024, 6, 10, 10, 0, tzinfo=UTC)  # 18:00 in Beijing


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:  # noqa: F811
    """Sessions on this test's own copy of the demo data (seeded once per session: demo_databases)."""
    async with demo_sessions(database_url, TODAY, seed=3) as sessions:
        yield sessions


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW
