"""Phone manners everywhere: time-outs, invalid keys, * repeat, # back, 0 agent, barge-in, language,
hang-up, and a store that is down."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.handler import run_ivr
from ivr.menu import Menu
from ivr.settings import IvrSettings
from storage.db import create_engine_from_settings, session_factory
from storage.ivr_records import IvrOutcome, IvrSession, ivr_steps
from storage.settings import StorageSettings
from tests.ivr.conftest import Clock, Run
from tests.ivr.scripted_caller import HANGUP, HANGUP_NOW, TIMEOUT, Barge, ScriptedCaller

MAIN = ["hotline/main_menu", "hotline/language_offer"]


def h(*files: str) -> list[str]:
    return [f"hotline/{f}" for f in files]


async def test_no_input_reprompts_twice_then_agent(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling(TIMEOUT, TIMEOUT, TIMEOUT)
    assert await run_call(caller) is IvrOutcome.TRANSFERRED
    assert caller.heard == [
        "hotline/welcome", *MAIN, "hotline/no_input", *MAIN, "hotline/no_input", *MAIN,
        "hotline/fallback_agent",
    ]  # fmt: skip
    assert caller.waits == [5000, 5000, 5000]
    assert caller.variables["HOTLINE_OUTCOME"] == "queue"
    assert caller.variables["HOTLINE_SKILL"] == "general"
    assert caller.variables["HOTLINE_IVR_PATH"] == "main>fallback"
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
        steps = await ivr_steps(db, record.id)
    assert record.outcome is IvrOutcome.TRANSFERRED
    assert [(s.node, s.result) for s in steps][-2:] == [
        ("main", "timeout"),
        ("agent_general", "queue:general"),
    ]


async def test_invalid_keys_then_a_valid_one(run_call: Run) -> None:
    caller = ScriptedCaller.calling("8", "8", "2", HANGUP)
    await run_call(caller)
    assert caller.heard[:10] == [
        "hotline/welcome", *MAIN, "hotline/invalid_choice", *MAIN, "hotline/invalid_choice", *MAIN,
        "hotline/enter_pin",
    ]  # fmt: skip


async def test_three_invalid_keys_go_to_an_agent(run_call: Run) -> None:
    caller = ScriptedCaller.calling("8", "8", "8")
    assert await run_call(caller) is IvrOutcome.TRANSFERRED
    assert caller.heard == [
        "hotline/welcome", *MAIN, "hotline/invalid_choice", *MAIN, "hotline/invalid_choice", *MAIN,
        "hotline/fallback_agent",
    ]  # fmt: skip


async def test_star_repeats_and_hash_goes_back(run_call: Run) -> None:
    caller = ScriptedCaller.calling("*", "1", "*", "#", HANGUP)
    assert await run_call(caller) is IvrOutcome.ABANDONED
    assert caller.heard == [
        "hotline/welcome", *MAIN, *MAIN, "hotline/consult_menu", "hotline/consult_menu", *MAIN,
    ]  # fmt: skip


async def test_hash_at_the_top_replays_the_main_menu(run_call: Run) -> None:
    caller = ScriptedCaller.calling("#", HANGUP)
    await run_call(caller)
    assert caller.heard == ["hotline/welcome", *MAIN, *MAIN]


async def test_zero_is_an_agent_from_any_menu(run_call: Run) -> None:
    caller = ScriptedCaller.calling("3", "1", "0")
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.variables["HOTLINE_SKILL"] == "complaint"
    assert caller.variables["HOTLINE_IVR_PATH"] == "main>3>billing_dispute>0"


async def test_barge_in_during_the_welcome(run_call: Run) -> None:
    caller = ScriptedCaller.calling(Barge("2"), "123456#", HANGUP)
    await run_call(caller)
    # "2" pressed during the welcome: the main menu is skipped, the bill query starts
    assert caller.heard[:2] == ["hotline/welcome", "hotline/enter_pin"]


async def test_barge_in_during_a_menu(run_call: Run) -> None:
    caller = ScriptedCaller.calling(Barge("4", after=1), HANGUP)
    await run_call(caller)
    assert caller.heard == ["hotline/welcome", "hotline/main_menu", "hotline/fault_menu"]
    assert caller.waits == [5000]


async def test_nine_switches_to_english(run_call: Run) -> None:
    caller = ScriptedCaller.calling("9", "0")
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.heard == ["hotline/welcome", *MAIN, *MAIN, "hotline/transfer_agent"]
    assert [c for c in caller.commands if "CHANNEL(language)" in c] == [
        "SET VARIABLE CHANNEL(language) zh",
        "SET VARIABLE CHANNEL(language) en",
    ]
    assert caller.variables["HOTLINE_LANGUAGE"] == "en"
    assert caller.variables["HOTLINE_IVR_PATH"] == "main>lang>0"


async def test_lone_zero_in_a_number_entry_is_an_agent(run_call: Run) -> None:
    caller = ScriptedCaller.calling("2", "0#", callerid="unknown")
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.variables["HOTLINE_SKILL"] == "billing"
    assert caller.variables["HOTLINE_CUSTOMER_ID"] == ""
    assert caller.variables["HOTLINE_PREFECTURE"] == "province"


async def test_star_restarts_a_digit_entry(run_call: Run) -> None:
    # keyed on after the star, in the same GET DATA: the entry is what follows the star
    caller = ScriptedCaller.calling("2", "12*", "123456#", HANGUP)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard[3:5] == ["hotline/enter_pin", "hotline/bill_balance-1"]
    assert caller.entries == [(5000, 8), (5000, 3)]  # "12*12345" fills GET DATA's 8: 3 more are read
    # a star, then silence: the prompt again, and a new entry
    caller = ScriptedCaller.calling("2", "12*", TIMEOUT, "123456#", HANGUP)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard[3:6] == ["hotline/enter_pin", "hotline/enter_pin", "hotline/bill_balance-1"]
    # a star and a new entry up to GET DATA's length: the rest is read by a second GET DATA
    caller = ScriptedCaller.calling("2", "1234*123", "456#", HANGUP)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard[3:5] == ["hotline/enter_pin", "hotline/bill_balance-1"]
    assert caller.entries == [(5000, 8), (5000, 5)]


async def test_hang_up_at_once(run_call: Run, hotline_db: async_sessionmaker[AsyncSession]) -> None:
    caller = ScriptedCaller.calling(HANGUP_NOW)
    assert await run_call(caller) is IvrOutcome.ABANDONED
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
    assert record.outcome is IvrOutcome.ABANDONED and record.path == ""


async def test_prefecture_and_language_from_the_agi_url(run_call: Run) -> None:
    caller = ScriptedCaller.calling("0", callerid="unknown")
    caller.env = ScriptedCaller.calling(callerid="unknown", query="prefecture=tianshui&lang=en").env
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.variables["HOTLINE_PREFECTURE"] == "tianshui"
    assert caller.variables["HOTLINE_LANGUAGE"] == "en"
    assert caller.variables["HOTLINE_SEGMENT"] == "normal"
    assert caller.variables["HOTLINE_PRIORITY"] == "0"


async def test_store_down_the_caller_still_reaches_an_agent(hotline_menu: Menu) -> None:
    engine = create_engine_from_settings(StorageSettings(url="postgresql://postgres@127.0.0.1:9/nowhere"))
    try:
        caller = ScriptedCaller.calling("2", "13800000001#", "0#")
        outcome = await run_ivr(caller, session_factory(engine), hotline_menu, IvrSettings(), clock=Clock())
    finally:
        await engine.dispose()
    assert outcome is IvrOutcome.QUEUED
    assert caller.heard[:5] == h("welcome", "main_menu", "language_offer", "enter_number", "number_not_found")
    assert caller.variables["HOTLINE_SKILL"] == "billing"
    assert caller.variables["HOTLINE_IVR_SESSION"] == ""
