from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from prompts.language import Language
from storage.billing import Account, Bill, Charge, Service, bill_for, latest_bill, recent_charges
from storage.knowledge import KnowledgeEntry, Topic, entries_for

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


async def test_bills_and_charges(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        account = Account(number="A1", holder="x", prefecture="lanzhou", balance_fen=-120, created_at=NOW)
        db.add(account)
        await db.flush()
        for period, mobile in (("2024-05", 100), ("2024-06", 2345)):
            db.add(
                Bill(account_id=account.id, period=period, amount_due_fen=mobile + 50,
                     due_date=date(2024, 7, 15), mobile_fen=mobile, local_fen=50)
            )  # fmt: skip
        for i in range(7):
            db.add(
                Charge(account_id=account.id, occurred_at=NOW - timedelta(days=i), service=Service.LOCAL,
                       description=f"c{i}", amount_fen=i + 1)
            )  # fmt: skip
        await db.commit()
        june = await bill_for(db, account.id, "2024-06")
        assert june is not None
        assert june.totals()[Service.MOBILE] == 2345
        assert list(june.totals()) == list(Service)
        assert june.total_fen == 2395
        latest = await latest_bill(db, account.id)
        assert latest is not None and latest.period == "2024-06"
        charges = await recent_charges(db, account.id, limit=3)
        assert [c.description for c in charges] == ["c0", "c1", "c2"]


async def test_knowledge_prefers_the_prefecture(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        rows = [
            ("kb_a", Language.ZH, None, 1, True),
            ("kb_b", Language.ZH, "lanzhou", 5, True),
            ("kb_c", Language.ZH, "tianshui", 1, True),
            ("kb_d", Language.EN, None, 1, True),
            ("kb_e", Language.ZH, None, 2, False),
        ]
        for prompt_id, lang, prefecture, pos, active in rows:
            db.add(
                KnowledgeEntry(key=prompt_id, topic=Topic.BROADBAND, language=lang, title=prompt_id, text="t",
                               prompt_id=prompt_id, position=pos, prefecture=prefecture, active=active,
                               effective_from=NOW, updated_at=NOW)
            )  # fmt: skip
        await db.commit()
        got = await entries_for(db, Topic.BROADBAND, Language.ZH, "lanzhou")
        assert [e.prompt_id for e in got] == ["kb_b", "kb_a"]
        got = await entries_for(db, Topic.BROADBAND, Language.ZH, None)
        assert [e.prompt_id for e in got] == ["kb_a"]
        assert await entries_for(db, Topic.TARIFFS, Language.ZH, "lanzhou") == []
