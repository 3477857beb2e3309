"""Bill query (话费查询): caller identified by CallerID, PIN, read-back, itemised charges."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.storage.billing import Bill
from cti.storage.ivr_records import IvrOutcome, IvrSession, ivr_steps
from tests.ivr.conftest import Run
from tests.ivr.scripted_caller import HANGUP, ScriptedCaller


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
