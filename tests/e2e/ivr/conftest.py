"""Fixtures of the IVR end-to-end tests: placeholder prompts (once per session), a seeded
database (SQLite and PostgreSQL, see ``tests/support/databases.py``), the running stack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.settings import IvrSettings
from tests.e2e.ivr.sounds import Pace, write_placeholders
from tests.e2e.ivr.stack import HotlineStack, hotline_stack
from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401
from tests.support.demo_databases import demo_database

# simulated seconds: a menu prompt of ~45 characters lasts 0.7 s, a digit or a unit 0.15 s
SIM_PACE = Pace(per_char_s=0.015, shortest_s=0.15, longest_s=1.0)


def hotline_today() -> date:
    """Today where the hotline is: the IVR reads the bill of this month."""
    return datetime.now(ZoneInfo(IvrSettings().timezone)).date()


@pytest.fixture(scope="session")
def placeholder_sounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sounds")
    write_placeholders(root, SIM_PACE)
    return root


@pytest.fixture
async def seeded_database(database_url: str) -> AsyncIterator[str]:  # noqa: F811
    """The URL of this test's own database holding the demo data (``demo.data``), built for today
    (seeded once per session: ``tests/support/demo_databases.py``)."""
    async with demo_database(database_url, hotline_today()) as url:
        yield url


@pytest.fixture
async def stack(seeded_database: str, placeholder_sounds: Path) -> AsyncIterator[HotlineStack]:
    async with hotline_stack(seeded_database, placeholder_sounds) as running:
        yield running
