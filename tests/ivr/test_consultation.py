"""Consultation (业务咨询): knowledge entries read from the store, by topic."""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.storage.ivr_records import IvrOutcome
from cti.storage.knowledge import KnowledgeEntry, Topic
from tests.ivr.conftest import Run
from tests.ivr.scripted_caller import HANGUP, Barge, ScriptedCaller

ENTRIES = ["hotline/kb_broadband_1", "hotline/kb_broadband_2", "hotline/kb_broadband_3"]


def h(*files: str) -> list[str]:
    return [f"hotline/{f}" for f in files]


async def test_topic_is_read_then_agent(run_call: Run) -> None:
    caller = ScriptedCaller.calling("1", "2", "0")
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.heard == [
        *h("welcome", "main_menu", "language_offer", "consult_menu", "kb_intro"),
        *ENTRIES,
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


async def test_english_caller_hears_english_entries(run_call: Run) -> None:
    caller = ScriptedCaller.calling("1", "1", HANGUP, callerid="13800000005")
    await run_call(caller)
    assert caller.variables["CHANNEL(language)"] == "en"
    assert h("kb_tariffs_1", "kb_tariffs_2", "kb_tariffs_3") == [f for f in caller.heard if "kb_tariffs" in f]


async def test_missing_audio_is_skipped(run_call: Run) -> None:
    caller = ScriptedCaller.calling("1", "2", HANGUP)
    caller.missing = {ENTRIES[1]}
    await run_call(caller)
    assert [f for f in caller.heard if "kb_broadband" in f] == [ENTRIES[0], ENTRIES[2]]


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
