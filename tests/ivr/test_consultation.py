"""Consultation (业务咨询): knowledge entries read from the store, by topic."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from prompts.language import Language
from storage.ivr_records import IvrOutcome
from storage.knowledge import KnowledgeEntry, KnowledgeText, Topic, add_version, entries_for
from tests.ivr.conftest import NOW, Run
from tests.ivr.scripted_caller import HANGUP, Barge, ScriptedCaller

ENTRIES: list[str] = []


@pytest.fixture(autouse=True)
async def broadband(hotline_db: async_sessionmaker[AsyncSession]) -> None:
    """What a Lanzhou caller hears on broadband: Lanzhou's own entries, then the province's."""
    async with hotline_db() as db:
        entries = await entries_for(db, Topic.BROADBAND, Language.ZH, "lanzhou", now=NOW)
    ENTRIES[:] = [f"hotline/{e.prompt_id}" for e in entries]
    assert len(ENTRIES) == 10 and ENTRIES[:2] == [
        "hotline/kb_coverage_lanzhou_v1",
        "hotline/kb_repair_lanzhou_v1",
    ]


def h(*files: str) -> list[str]:
    return [f"hotline/{f}" for f in files]


async def test_topic_is_read_then_agent(run_call: Run) -> None:
    caller = ScriptedCaller.calling("1", "2", "0")
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.heard == [
        *h("welcome", "main_menu", "language_offer", "consult_menu", "kb_intro"),
        *ENTRIES,  # the first ten
        *h("kb_end", "consult_menu", "transfer_agent"),
    ]
    assert caller.variables["HOTLINE_SKILL"] == "consultation"
    assert caller.variables["HOTLINE_IVR_PATH"] == "main>1>broadband>0"


async def test_star_repeats_an_entry_and_hash_goes_back(run_call: Run) -> None:
    caller = ScriptedCaller.calling("1", "2", Barge("*", after=1), Barge("#", after=1), HANGUP)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard == [
        *h("welcome", "main_menu", "language_offer", "consult_menu", "kb_intro"),
        ENTRIES[0], ENTRIES[0], ENTRIES[1],  # "*" during the first: again; "#" during the second: back
        *h("consult_menu"),
    ]  # fmt: skip


async def test_english_caller_hears_english_entries(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    # an English entry only, on a topic: the English caller hears it first; the Chinese callers never
    async with hotline_db() as db:
        english_only = KnowledgeText(
            key="welcome_abroad", topic=Topic.TARIFFS, language=Language.EN, title="Visitors",
            text="Visitors from abroad can buy a tourist SIM at the airport.", position=0,
        )  # fmt: skip
        await add_version(db, english_only, "test", NOW - timedelta(days=1))
        await db.commit()
    caller = ScriptedCaller.calling("1", "1", HANGUP, callerid="13800000005")
    await run_call(caller)
    assert caller.variables["CHANNEL(language)"] == "en"
    entries = [f for f in caller.heard if f.startswith("hotline/kb_") and f != "hotline/kb_intro"]
    assert entries[:2] == h("kb_welcome_abroad_v1", "kb_plan_38_v1")
    chinese = ScriptedCaller.calling("1", "1", HANGUP)
    await run_call(chinese)
    assert "hotline/kb_welcome_abroad_v1" not in chinese.heard


async def test_missing_audio_is_skipped(run_call: Run) -> None:
    caller = ScriptedCaller.calling("1", "2", HANGUP)
    caller.missing = {ENTRIES[1]}
    await run_call(caller)
    entries = [f for f in caller.heard if f.startswith("hotline/kb_") and f != "hotline/kb_intro"]
    assert entries[:2] == [ENTRIES[0], ENTRIES[2]]


async def test_empty_topic_goes_to_an_agent(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    async with hotline_db() as db:
        await db.execute(
            update(KnowledgeEntry).where(KnowledgeEntry.topic == Topic.MOBILE).values(active=False)
        )
        await db.commit()
    caller = ScriptedCaller.calling("1", "3")
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.heard[-3:] == h("consult_menu", "kb_empty", "transfer_agent")
    assert caller.variables["HOTLINE_SKILL"] == "consultation"
