"""Bill query (话费查询): caller identified by CallerID, PIN, read-back, itemised charges."""

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.billing import Bill, recent_charges
from storage.customers import Customer
from storage.ivr_records import IvrOutcome, IvrSession, ivr_steps
from tests.ivr.conftest import Run
from tests.ivr.scripted_caller import HANGUP, TIMEOUT, Barge, ScriptedCaller

BEIJING = ZoneInfo("Asia/Shanghai")


def h(*files: str) -> list[str]:
    return [f"hotline/{f}" for f in files]


def zh_amount(fen: int) -> list[str]:
    yuan, cents = divmod(fen, 100)
    jiao, rest = divmod(cents, 10)
    out: list[str] = []
    if yuan or not cents:
        out += [f"number:{yuan}", "hotline/unit_yuan"]
    if jiao:
        out += [f"number:{jiao}", "hotline/unit_jiao"]
    if rest:
        out += ["number:0"] if yuan and not jiao else []
        out += [f"number:{rest}", "hotline/unit_fen"]
    return out


async def test_bill_read_back_for_a_known_caller(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("2", "123456#", HANGUP)
    outcome = await run_call(caller)

    assert outcome is IvrOutcome.SELF_SERVED
    async with hotline_db() as db:
        bill = (
            await db.execute(select(Bill).where(Bill.account_id == 1, Bill.period == "2024-06"))
        ).scalar_one()
    due = zh_amount(bill.amount_due_fen)
    services = []
    for name, fen in (
        ("mobile", bill.mobile_fen), ("ip", bill.ip_fen), ("internet", bill.internet_fen),
        ("long_distance", bill.long_distance_fen), ("local", bill.local_fen), ("paging", bill.paging_fen),
    ):  # fmt: skip
        if fen:
            services += [f"hotline/svc_{name}", *zh_amount(fen)]  # "{service}{amount}，": no own audio
    assert caller.heard == [
        *h("welcome", "main_menu", "language_offer", "enter_pin"),
        # balance 123.45 yuan: 123元4角5分
        "hotline/bill_balance-1", "number:123", "hotline/unit_yuan", "number:4", "hotline/unit_jiao",
        "number:5", "hotline/unit_fen",  # "。" is silent: no file
        "hotline/bill_due-1", *due, "hotline/bill_due-2", "number:7", "hotline/date_md-1", "number:15",
        "hotline/date_md-2", "hotline/bill_due-3",
        "hotline/bill_services", *services,
        "hotline/bill_menu",
    ]  # fmt: skip
    assert caller.commands[:2] == ["ANSWER", "SET VARIABLE CHANNEL(language) zh"]
    assert "HOTLINE_OUTCOME" not in caller.variables
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
        assert record.outcome is IvrOutcome.SELF_SERVED
        assert record.customer_id == 1 and record.prefecture == "lanzhou"
        assert record.path == "main>2"
        steps = await ivr_steps(db, record.id)
    assert [(s.node, s.keys, s.result) for s in steps] == [
        ("identify", "", "normal"),
        ("welcome", "", "played"),
        ("main", "2", "2"),
        ("bill", "", "found"),
        ("bill_pin_status", "", "open"),
        ("bill_pin", "******", "entered"),
        ("bill_check_pin", "", "ok"),
        ("bill_read", "", "done"),
        ("bill_menu", "", "hangup"),
    ]
    assert all(s.duration_ms >= 1000 for s in steps)


async def test_unknown_caller_keys_the_number(run_call: Run) -> None:
    caller = ScriptedCaller.calling("2", "13800000005#", "567890#", HANGUP, callerid="unknown")
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard[:6] == h(
        "welcome", "main_menu", "language_offer", "enter_number", "enter_pin", "bill_balance-1"
    )
    # John Smith's balance, 88.08 yuan, in the call's language (zh): 88元零8分
    assert caller.heard[6:12] == [
        "number:88", "hotline/unit_yuan", "number:0", "number:8", "hotline/unit_fen", "hotline/bill_due-1",
    ]  # fmt: skip


async def test_number_not_found_then_agent_after_three_tries(run_call: Run) -> None:
    caller = ScriptedCaller.calling("2", "13999999999#", "13999999998#", "13999999997#", callerid="unknown")
    assert await run_call(caller) is IvrOutcome.TRANSFERRED
    assert caller.heard == [
        *h("welcome", "main_menu", "language_offer"),
        *h("enter_number", "number_not_found") * 3,
        "hotline/fallback_agent",
    ]
    assert caller.variables["HOTLINE_SKILL"] == "billing"
    assert caller.variables["HOTLINE_IVR_PATH"] == "main>2>fallback"


async def test_three_wrong_pins_lock_this_call_and_the_next(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("2", "111111#", "222222#", "333333#")
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.heard == [
        *h("welcome", "main_menu", "language_offer"),
        *h("enter_pin", "pin_wrong", "enter_pin", "pin_wrong", "enter_pin", "pin_locked", "transfer_agent"),
    ]
    assert caller.variables["HOTLINE_OUTCOME"] == "queue"
    assert caller.variables["HOTLINE_SKILL"] == "billing"
    async with hotline_db() as db:
        zhang = await db.get(Customer, 1)
        assert zhang is not None and zhang.pin_locked_until is not None

    # the next call, even with the right PIN ready, is refused while the lock lasts
    again = ScriptedCaller.calling("2", "123456#")
    assert await run_call(again) is IvrOutcome.QUEUED
    assert again.heard == [*h("welcome", "main_menu", "language_offer", "pin_locked", "transfer_agent")]


async def test_itemised_charges_and_barge_in(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    # "1" pressed while the bill is being read: straight to the itemised charges
    caller = ScriptedCaller.calling("2", "123456#", Barge("1", after=8), HANGUP)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    async with hotline_db() as db:
        charges = await recent_charges(db, 1, limit=5)
    start = caller.heard.index("hotline/bill_balance-1")
    assert caller.heard[start + 1 : start + 3] == ["number:123", "hotline/unit_yuan"]
    intro = caller.heard.index("hotline/charges_intro")
    assert "hotline/bill_menu" not in caller.heard  # interrupted before the menu
    items = caller.heard[intro + 1 : -1]
    assert caller.heard[-1] == "hotline/charges_menu"
    # each charge: date (month, 月, day, 日), service, amount
    assert items.count("hotline/date_md-1") == len(charges) == 5
    for charge in charges:
        assert f"hotline/svc_{charge.service.value}" in items
    first_day = charges[0].occurred_at.astimezone(BEIJING).day
    assert items[:5] == [
        "number:6", "hotline/date_md-1", f"number:{first_day}", "hotline/date_md-2",
        f"hotline/svc_{charges[0].service.value}",
    ]  # fmt: skip


async def test_silence_after_the_bill_says_goodbye(run_call: Run) -> None:
    caller = ScriptedCaller.calling("2", "123456#", TIMEOUT, TIMEOUT)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard[-4:] == h("bill_menu", "no_input", "bill_menu", "goodbye")
    assert caller.variables == {"CHANNEL(language)": "zh", "HOTLINE_OUTCOME": "selfserved"}


async def test_star_reads_the_bill_again(run_call: Run) -> None:
    caller = ScriptedCaller.calling("2", "123456#", "*", HANGUP)
    await run_call(caller)
    assert caller.heard.count("hotline/bill_balance-1") == 2
    assert caller.heard.count("hotline/bill_menu") == 2
