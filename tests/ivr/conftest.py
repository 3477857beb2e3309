from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.actions.catalogue import VOCABULARY
from ivr.handler import run_ivr
from ivr.menu import Menu
from ivr.menu_loader import load_menu
from ivr.settings import IvrSettings
from orders.builtin_provisioning import BuiltinProvisioning
from orders.catalogue import load_catalogue
from orders.provisioning import Provisioning
from orders.service import OrderService
from orders.settings import OrderSettings
from storage.ivr_records import IvrOutcome
from tests.ivr.scripted_caller import ScriptedCaller
from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401
from tests.support.demo_databases import demo_sessions

MENU_FILE = Path(__file__).resolve().parents[2] / "ivr" / "menus" / "hotline.yaml"
TODAY = date(2024, 6, 10)
NOW = datetime(2024, 6, 10, 10, 0, tzinfo=UTC)  # 18:00 in Beijing; the demo data is from 08:00 UTC

Run = Callable[[ScriptedCaller], Awaitable[IvrOutcome]]


@pytest.fixture(scope="session")
def hotline_menu() -> Menu:
    return load_menu(MENU_FILE, VOCABULARY)


@pytest.fixture
async def hotline_db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:  # noqa: F811
    """Sessions on this test's own copy of the demo data (seeded once per session: demo_databases)."""
    async with demo_sessions(database_url, TODAY, seed=11) as sessions:
        yield sessions


class Clock:
    """A clock that moves one second each time it is read: steps get distinct times."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def order_service(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, provisioning: Provisioning | None = None
) -> OrderService:
    adapter = provisioning or BuiltinProvisioning(sessions, clock)
    return OrderService(sessions, load_catalogue(), adapter, OrderSettings(), clock)


@pytest.fixture
def run_call(hotline_db: async_sessionmaker[AsyncSession], hotline_menu: Menu) -> Run:
    async def run(
        caller: ScriptedCaller,
        menu: Menu | None = None,
        clock: Clock | None = None,
        provisioning: Provisioning | None = None,
    ) -> IvrOutcome:
        clock = clock or Clock()
        orders = order_service(hotline_db, clock, provisioning)
        return await run_ivr(
            caller, hotline_db, menu or hotline_menu, IvrSettings(), orders=orders, clock=clock
        )

    return run
