"""Knowledge entries: versions, dates in force, and search (Chinese and English) on both databases."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from demo.knowledge import seed_demo_knowledge
from prompts.language import Language
from storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
from storage.knowledge import TRIGRAM_INDEX, KnowledgeText, Topic, add_version, entries_for, entry_versions
from storage.knowledge_search import needed, search_knowledge, search_terms
from storage.settings import StorageSettings

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def test_chinese_runs_become_pairs_and_other_words_stay_whole() -> None:
    assert search_terms("手机挂失") == ["手机", "机挂", "挂失"]
    assert search_terms("挂失") == ["挂失"] and search_terms("丢") == ["丢"]
    assert search_terms("Lost  phone, 5G流量包！") == ["lost", "phone", "5g", "流量", "量包"]
    assert search_terms("  ,，。 ") == []
    assert needed(["a"]) == 1 and needed(["a", "b"]) == 2 and needed(["a", "b", "c"]) == 2
    assert needed(["a", "b", "c", "d", "e"]) == 3


def text_of(key: str, body: str, **kw: object) -> KnowledgeText:
    values: dict[str, object] = {"key": key, "topic": Topic.MOBILE, "language": Language.ZH, "title": key}
    values.update(text=body, **kw)
    return KnowledgeText(**values)  # type: ignore[arg-type]


async def test_an_edit_is_a_new_version_with_its_own_audio(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        first = await add_version(db, text_of("lost", "旧的口径"), "user-1", NOW)
        second = await add_version(
            db, text_of("lost", "新的口径：按6挂失"), "user-2", NOW + timedelta(hours=1)
        )
        await db.commit()
        assert (first.version, second.version) == (1, 2)
        assert (first.prompt_id, second.prompt_id) == ("kb_lost_v1", "kb_lost_v2")
        versions = await entry_versions(db, "lost")
        assert [(v.version, v.current, v.updated_by) for v in versions] == [
            (2, True, "user-2"),
            (1, False, "user-1"),
        ]
        got = await entries_for(db, Topic.MOBILE, Language.ZH, now=NOW + timedelta(hours=2))
        assert [e.text for e in got] == ["新的口径：按6挂失"]


async def test_only_entries_in_force_are_given(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        await add_version(db, text_of("now", "现在有效"), "u", NOW)
        await add_version(db, text_of("later", "下月生效", effective_from=NOW + timedelta(days=20)), "u", NOW)
        await add_version(
            db, text_of("gone", "已过期", expires_at=NOW - timedelta(days=1)), "u", NOW - timedelta(days=9)
        )
        await add_version(db, text_of("withdrawn", "已撤回", active=False), "u", NOW)
        await db.commit()
        keys = [e.key for e in await entries_for(db, Topic.MOBILE, Language.ZH, now=NOW)]
        assert keys == ["now"]
        later = [
            e.key for e in await entries_for(db, Topic.MOBILE, Language.ZH, now=NOW + timedelta(days=21))
        ]
        assert later == ["now", "later"]
        assert [h.entry.key for h in await search_knowledge(db, "生效", now=NOW)] == []


async def test_an_agent_finds_an_entry_by_a_chinese_keyword(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        rows = await seed_demo_knowledge(db, NOW)
        await db.commit()
        assert rows == 318
        hits = await search_knowledge(db, "挂失", now=NOW, language=Language.ZH)
        assert hits[0].entry.key == "lost_phone_suspend" and hits[0].score == 2  # in the title and the text
        assert {h.entry.key for h in hits} >= {"lost_phone_suspend", "lost_phone_resume", "lost_phone_no_pin"}
        # no spaces, words the entry does not use as such ("手机丢了"): its pairs are enough
        assert (await search_knowledge(db, "手机丢了", now=NOW))[0].entry.key == "lost_phone_suspend"
        english = await search_knowledge(db, "lost phone", now=NOW, language=Language.EN)
        assert english[0].entry.key == "lost_phone_suspend" and english[0].entry.language is Language.EN
        # a prefecture's agent sees the province-wide entries and their own prefecture's, no other
        halls = await search_knowledge(db, "营业厅", now=NOW, prefecture="lanzhou", language=Language.ZH)
        prefectures = {h.entry.prefecture for h in halls}
        assert "lanzhou" in prefectures and prefectures <= {"lanzhou", None}
        assert await search_knowledge(db, "营业厅", now=NOW, topic=Topic.TARIFFS) == []
        # LIKE's wildcards are searched for as text
        assert (
            await search_knowledge(db, "%", now=NOW) == [] and await search_knowledge(db, "_", now=NOW) == []
        )
        assert await search_knowledge(db, "", now=NOW) == []


@pytest.mark.postgres
async def test_postgresql_serves_the_search_from_a_trigram_index(postgres_database: str) -> None:
    engine = create_engine_from_settings(StorageSettings(url=postgres_database))
    try:
        await drop_schema(engine)
        await create_schema(engine)  # creates the pg_trgm extension before the index
        async with session_factory(engine)() as db:
            await seed_demo_knowledge(db, NOW)
            await db.commit()
            await db.execute(text("SET enable_seqscan = off"))
            query = "EXPLAIN SELECT id FROM knowledge_entries WHERE search_text LIKE '%宽带提速%'"
            plan = "\n".join(row[0] for row in (await db.execute(text(query))).all())
            assert [h.entry.key for h in await search_knowledge(db, "宽带提速", now=NOW)][:1] == [
                "broadband_100m"
            ]
    finally:
        await engine.dispose()
    assert "ix_knowledge_entries_search_trgm" in plan


@pytest.mark.postgres
async def test_without_the_right_to_add_pg_trgm_the_schema_is_made_and_search_still_works(
    postgres_database: str,
) -> None:
    """A node whose database role may not create extensions: no trigram index, a scan instead."""
    import asyncpg  # type: ignore[import-untyped]

    from tests.support.databases import postgres_admin_url

    name = f"hotline_test_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(postgres_admin_url(), timeout=5)
    try:
        await admin.execute(f'CREATE ROLE "{name}" LOGIN')
        await admin.execute(f'CREATE DATABASE "{name}"')  # owned by the admin, not by the role
        await admin.execute(f'GRANT CONNECT ON DATABASE "{name}" TO "{name}"')
        db_admin = await asyncpg.connect(postgres_admin_url().rsplit("/", 1)[0] + f"/{name}", timeout=5)
        try:
            await db_admin.execute(f'GRANT CREATE, USAGE ON SCHEMA public TO "{name}"')
        finally:
            await db_admin.close()
        base = postgres_admin_url().split("://", 1)[1].split("@", 1)[1].rsplit("/", 1)[0]
        engine = create_engine_from_settings(
            StorageSettings(url=f"postgresql+asyncpg://{name}@{base}/{name}")
        )
        try:
            await create_schema(engine)
            async with session_factory(engine)() as db:
                index = (
                    await db.execute(
                        text("SELECT count(*) FROM pg_indexes WHERE indexname = :n"), {"n": TRIGRAM_INDEX}
                    )
                ).scalar_one()
                assert index == 0
                await seed_demo_knowledge(db, NOW)
                await db.commit()
                assert (await search_knowledge(db, "挂失", now=NOW))[0].entry.key == "lost_phone_suspend"
        finally:
            await engine.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        await admin.close()
