"""Known account figures for the bill read-back tests (the demo data's are random): what the
caller's current bill and latest charges are, and what the IVR must say for them (Mandarin)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.billing import Bill, Charge, Service, bill_for, billing_period
from storage.customers import Customer


async def set_known_bill(sessions: async_sessionmaker[AsyncSession], number: str, today: date) -> date:
    """This month's bill of ``number``: 150.20 yuan (mobile 90.20, internet 60.00); its latest
    charges: mobile 2.50 on 3 June, long distance 12.05 on 1 June.  Returns the due date."""
    async with sessions() as db:
        customer = (await db.execute(select(Customer).where(Customer.number == number))).scalar_one()
        assert customer.account_id is not None
        bill = await bill_for(db, customer.account_id, billing_period(today))
        assert bill is not None
        totals = {f"{s.value}_fen": 0 for s in Service} | {"mobile_fen": 9020, "internet_fen": 6000}
        await db.execute(update(Bill).where(Bill.id == bill.id).values(amount_due_fen=15020, **totals))
        await db.execute(delete(Charge).where(Charge.account_id == customer.account_id))
        for at, service, fen in (
            (datetime(2024, 6, 3, 2, 0, tzinfo=UTC), Service.MOBILE, 250),
            (datetime(2024, 6, 1, 2, 0, tzinfo=UTC), Service.LONG_DISTANCE, 1205),
        ):
            db.add(
                Charge(
                    account_id=customer.account_id,
                    occurred_at=at,
                    service=service,
                    description="e2e",
                    amount_fen=fen,
                )
            )
        await db.commit()
        return bill.due_date


def known_bill_heard(due: date) -> list[str]:
    """The read-back of :func:`set_known_bill`'s bill, for the demo caller 13800000001 (balance 123.45)."""
    return [
        # balance 123.45 yuan: 123元4角5分
        "hotline/bill_balance-1",
        *("number:123", "hotline/unit_yuan", "number:4", "hotline/unit_jiao", "number:5", "hotline/unit_fen"),
        # this month's bill, 150.20 yuan, due on the 15th of next month
        "hotline/bill_due-1",
        *("number:150", "hotline/unit_yuan", "number:2", "hotline/unit_jiao"),
        "hotline/bill_due-2",
        *(f"number:{due.month}", "hotline/date_md-1", f"number:{due.day}", "hotline/date_md-2"),
        "hotline/bill_due-3",
        # by service, only those with something to pay
        "hotline/bill_services",
        *("hotline/svc_mobile", "number:90", "hotline/unit_yuan", "number:2", "hotline/unit_jiao"),
        *("hotline/svc_internet", "number:60", "hotline/unit_yuan"),
    ]


KNOWN_CHARGES_HEARD = [
    "hotline/charges_intro",
    *("number:6", "hotline/date_md-1", "number:3", "hotline/date_md-2"),
    *("hotline/svc_mobile", "number:2", "hotline/unit_yuan", "number:5", "hotline/unit_jiao"),
    *("number:6", "hotline/date_md-1", "number:1", "hotline/date_md-2"),
    "hotline/svc_long_distance",
    *("number:12", "hotline/unit_yuan", "number:0", "number:5", "hotline/unit_fen"),  # 12元零5分
]
