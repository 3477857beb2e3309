from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.model import Segment
from cli.main import main
from demo.data import DEMO_CUSTOMERS, AlreadySeeded, seed_demo_data
from storage.billing import Bill, Charge, billing_period
from storage.customers import Customer, PinCheck, check_pin, find_customer_by_number
from storage.knowledge import KnowledgeEntry, Topic
from storage.ticket_lifecycle import TicketKind
from storage.tickets import open_tickets_for_number

Sessions = async_sessionmaker[AsyncSession]
TODAY = date(2024, 6, 10)


async def _snapshot(db: AsyncSession) -> list[tuple[object, ...]]:
    charges = (
        await db.execute(select(Charge.account_id, Charge.service, Charge.amount_fen).order_by(Charge.id))
    ).all()
    bills = (await db.execute(select(Bill.period, Bill.amount_due_fen).order_by(Bill.id))).all()
    return [tuple(r) for r in [*charges, *bills]]


async def test_seed_is_complete_and_deterministic(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        summary = await seed_demo_data(db, TODAY, seed=7)
        await db.commit()
        assert summary.customers == len(DEMO_CUSTOMERS) == 11
        assert summary.knowledge_entries == 318 and summary.lines == 18
        first = await _snapshot(db)
        segments = set((await db.execute(select(Customer.segment))).scalars())
        assert segments == set(Segment)
        prefectures = set((await db.execute(select(Customer.prefecture))).scalars())
        assert len(prefectures) >= 8
        topics = (
            await db.execute(select(KnowledgeEntry.topic, func.count()).group_by(KnowledgeEntry.topic))
        ).all()
        assert set(dict(topics)) == set(Topic) and sum(n for _, n in topics) == 318
        categories = (await db.execute(select(func.count(func.distinct(KnowledgeEntry.category))))).scalar()
        assert categories == 2 * 23  # the 23 categories' names, in two languages
        this_month = (
            await db.execute(select(func.count()).where(Bill.period == billing_period(TODAY)))
        ).scalar()
        assert this_month == 11
        zhang = await find_customer_by_number(db, "13800000001")
        assert zhang is not None
        assert await check_pin(db, zhang.id, "123456", datetime.now(UTC)) is PinCheck.OK
        faults = await open_tickets_for_number(db, "13800000002", TicketKind.FAULT)
        assert len(faults) == 1 and faults[0].category == "no_signal"
        with pytest.raises(AlreadySeeded):
            await seed_demo_data(db, TODAY, seed=7)
    # same seed, same day: the same rows
    async with db_sessions() as db:
        for table in (
            "line_services",
            "lines",
            "ticket_dispatches",
            "ticket_actions",
            "tickets",
            "charges",
            "bills",
            "knowledge_entries",
            "customers",
            "accounts",
        ):
            await db.execute(text(f"DELETE FROM {table}"))
        await db.commit()
        await seed_demo_data(db, TODAY, seed=7)
        await db.commit()
        again = await _snapshot(db)
    # account ids differ (new rows); everything else is the same
    assert [r[1:] for r in again] == [r[1:] for r in first]


def test_seed_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["seed", "--url", url, "--today", "2024-06-10"]) == 0
    assert "seeded 11 customers" in capsys.readouterr().out
    assert main(["seed", "--url", url]) == 1
    assert "already has customers" in capsys.readouterr().out
    assert main(["seed", "--url", url, "--reset"]) == 0
