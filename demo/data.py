"""Demo data for ``hotline seed``: deterministic (same seed, same day → same rows).

Customers (call from the number as CallerID, or key it in when asked; PIN = service password):

=============  ======================  =========  ============  ====  ========  =======================
number         name                    prefecture segment       lang  PIN       notes
=============  ======================  =========  ============  ====  ========  =======================
13800000001    张伟                    lanzhou    normal        zh    123456
13800000002    李娜                    tianshui   normal        zh    234567    open fault ticket
13800000003    王芳                    jiuquan    vip           zh    345678    open complaint ticket
13800000004    甘肃风电有限公司        zhangye    private_line  zh    456789
13800000005    John Smith              lanzhou    normal        en    567890
13800000006    刘洋 (市人民医院)       baiyin     normal        zh    678901    important customer
13800000007    陈静                    dingxi     normal        zh    (none)    no PIN: bill via agent
13800000008    Emma Brown              jiayuguan  vip           en    789012
13800000009    赵磊                    longnan    normal        zh    890123    in arrears
13800000010    甘南牧业合作社          gannan     private_line  zh    901234
09318123456    周敏                    lanzhou    normal        zh    112233    fixed line
=============  ======================  =========  ============  ====  ========  =======================

Each has an account (``A`` + number) with a balance, a bill for the current month and one for the
previous month (totals per service, due on the 15th of the following month) and 6-10 itemised
charges this month; an ID document on file whose last six characters prove who they are in the
lost-phone menu (``ID tail`` below; the ID of 13800000002 ends in X, keyed as 0); lines and
services (:mod:`demo.lines`). VIP and private-line customers have an account manager (the phone
the VIP menu dials). The knowledge base: :mod:`demo.knowledge` (159 entries in 23 categories,
in Chinese and English). Two open tickets: ticket 00000018, a fault (no signal, in progress) for
13800000002, dispatched to the Tianshui radio room (``tianshui.radio``), which has taken it; and
ticket 00000026, a billing dispute (usage, dispatched) for 13800000003, waiting in the queue of
Jiuquan billing (``jiuquan.billing``).  The departments are those of ``workflow/departments.yaml``.

=============  ========  =====================================
number         ID tail   account manager (phone)
=============  ========  =====================================
13800000001    011234
13800000002    051230
13800000003    152345    孙经理 (8101)
13800000004    020018    甘肃风电客户经理 钱经理 (8102)
13800000008    121029    Manager Li (8103)
13800000010    150077    钱经理 (8102)
others         01NNNN    (NNNN: the number's last four digits)
=============  ========  =====================================
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.model import Segment
from demo.agents import seed_demo_agents
from demo.customer_base import seed_customer_base
from demo.knowledge import seed_demo_knowledge
from demo.lines import seed_demo_lines
from prompts.language import Language
from storage.billing import Account, Bill, Charge, Service, billing_period
from storage.customers import Customer, hash_pin, id_tail
from storage.departments import save_departments
from storage.prefectures import BY_CODE, PREFECTURES
from storage.ticket_dispatches import TicketDispatch
from storage.ticket_lifecycle import Severity, TicketActionKind, TicketKind, TicketStatus
from storage.tickets import NewTicket, move_ticket, open_ticket
from storage.users import seed_demo_users
from workflow.departments import load_departments
from workflow.node import department_specs


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    number: str
    name: str
    prefecture: str
    segment: Segment
    language: Language
    pin: str | None
    important: bool = False
    balance_fen: int = 5000
    id_number: str = ""  # the ID document on file (default: made from the number)
    manager: tuple[str, str] | None = None  # account manager: name, phone

    @property
    def id_document(self) -> str:
        return self.id_number or f"62010219900101{self.number[-4:]}"


_ZH, _EN = Language.ZH, Language.EN
_NORMAL, _VIP, _LINE = Segment.NORMAL, Segment.VIP, Segment.PRIVATE_LINE
_C = DemoCustomer

DEMO_CUSTOMERS: tuple[DemoCustomer, ...] = (
    _C("13800000001", "张伟", "lanzhou", _NORMAL, _ZH, "123456", balance_fen=12345,
       id_number="620102198001011234"),
    _C("13800000002", "李娜", "tianshui", _NORMAL, _ZH, "234567", balance_fen=3050,
       id_number="62050219850505123X"),
    _C("13800000003", "王芳", "jiuquan", _VIP, _ZH, "345678", balance_fen=108800,
       id_number="620902197512152345", manager=("孙经理", "8101")),
    _C("13800000004", "甘肃风电有限公司", "zhangye", _LINE, _ZH, "456789", balance_fen=2500000,
       id_number="91620700MA74020018", manager=("钱经理", "8102")),
    _C("13800000005", "John Smith", "lanzhou", _NORMAL, _EN, "567890", balance_fen=8808),
    _C("13800000006", "刘洋 (市人民医院)", "baiyin", _NORMAL, _ZH, "678901", important=True),
    _C("13800000007", "陈静", "dingxi", _NORMAL, _ZH, None, balance_fen=1999),
    _C("13800000008", "Emma Brown", "jiayuguan", _VIP, _EN, "789012", balance_fen=56000,
       id_number="E12345678121029", manager=("Manager Li", "8103")),
    _C("13800000009", "赵磊", "longnan", _NORMAL, _ZH, "890123", balance_fen=-4320),
    _C("13800000010", "甘南牧业合作社", "gannan", _LINE, _ZH, "901234", balance_fen=730000,
       id_number="93623000MA71150077", manager=("钱经理", "8102")),
    _C("09318123456", "周敏", "lanzhou", _NORMAL, _ZH, "112233", balance_fen=4210),
)  # fmt: skip

DESCRIPTIONS: dict[Service, tuple[str, ...]] = {
    Service.MOBILE: ("国内通话", "本地通话"),
    Service.IP: ("IP长途 17951",),
    Service.INTERNET: ("手机上网", "宽带月租"),
    Service.LONG_DISTANCE: ("国内长途",),
    Service.LOCAL: ("市话",),
    Service.PAGING: ("寻呼服务",),
}


@dataclass(frozen=True, slots=True)
class SeedSummary:
    customers: int
    accounts: int
    bills: int
    charges: int
    knowledge_entries: int
    tickets: int
    lines: int = 0


class AlreadySeeded(Exception):
    pass


# argon2 is slow on purpose; the demo PINs are hashed once per process and the hashes reused
_demo_pin_hash = functools.cache(hash_pin)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _due_date(period_start: date) -> date:
    next_month = (period_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month.replace(day=15)


def _bill(rng: random.Random, account_id: int, period_start: date, scale: int) -> Bill:
    totals = {
        Service.MOBILE: rng.randint(20_00, 90_00) * scale,
        Service.IP: rng.choice((0, rng.randint(1_00, 15_00))) * scale,
        Service.INTERNET: rng.randint(10_00, 60_00) * scale,
        Service.LONG_DISTANCE: rng.choice((0, rng.randint(50, 12_00))) * scale,
        Service.LOCAL: rng.randint(0, 8_00) * scale,
        Service.PAGING: 0,
    }
    return Bill(
        account_id=account_id,
        period=billing_period(period_start),
        amount_due_fen=sum(totals.values()),
        due_date=_due_date(period_start),
        **{f"{service.value}_fen": amount for service, amount in totals.items()},
    )


async def seed_demo_data(db: AsyncSession, today: date, seed: int = 2024) -> SeedSummary:
    """Insert the demo rows (caller commits); refuses a database that already has customers."""
    if (await db.execute(select(func.count()).select_from(Customer))).scalar_one():
        raise AlreadySeeded("the database already has customers; use --reset to start again")
    rng = random.Random(seed)
    now = _at(today, 8)
    month_start = today.replace(day=1)
    previous_start = (month_start - timedelta(days=1)).replace(day=1)
    bills = charges = 0
    customers: dict[str, Customer] = {}
    for demo in DEMO_CUSTOMERS:
        scale = 10 if demo.segment is Segment.PRIVATE_LINE else 1
        account = Account(
            number=f"A{demo.number}",
            holder=demo.name,
            prefecture=demo.prefecture,
            balance_fen=demo.balance_fen,
            created_at=now,
        )
        db.add(account)
        await db.flush()
        customer = Customer(
            number=demo.number,
            name=demo.name,
            prefecture=demo.prefecture,
            segment=demo.segment,
            important=demo.important,
            language=demo.language,
            account_id=account.id,
            pin_hash=_demo_pin_hash(demo.pin) if demo.pin else None,
            pin_failures=0,
            id_tail_hash=_demo_pin_hash(id_tail(demo.id_document)),
            address=f"{BY_CODE[demo.prefecture].name_zh}市人民路{int(demo.number[-2:]) + 10}号",
            account_manager=demo.manager[0] if demo.manager else None,
            account_manager_phone=demo.manager[1] if demo.manager else None,
            created_at=now,
        )
        db.add(customer)
        customers[demo.number] = customer
        db.add(_bill(rng, account.id, previous_start, scale))
        db.add(_bill(rng, account.id, month_start, scale))
        bills += 2
        for _ in range(rng.randint(6, 10)):
            service = rng.choice([s for s in Service if s is not Service.PAGING])
            day = month_start + timedelta(days=rng.randint(0, max(0, today.day - 1)))
            duration = rng.randint(30, 1800) if service in (Service.MOBILE, Service.LONG_DISTANCE) else None
            db.add(
                Charge(
                    account_id=account.id,
                    occurred_at=_at(day, rng.randint(8, 21), rng.randint(0, 59)),
                    service=service,
                    description=rng.choice(DESCRIPTIONS[service]),
                    counterpart=f"139{rng.randint(0, 99_999_999):08d}" if duration else None,
                    duration_s=duration,
                    amount_fen=rng.randint(10, 2_000) * scale,
                )
            )
            charges += 1
    await db.flush()
    lines = await seed_demo_lines(db, customers, now)
    entries = await seed_demo_knowledge(db, now)
    fault = await open_ticket(
        db,
        NewTicket(
            kind=TicketKind.FAULT,
            category="no_signal",
            prefecture="tianshui",
            caller_number="13800000002",
            customer_id=customers["13800000002"].id,
            created_via="agent",
            description="家中室内无信号 / no signal indoors at home",
            actor="demo",
        ),
        now - timedelta(hours=3),
    )
    await save_departments(db, department_specs(load_departments([p.code for p in PREFECTURES])))
    await move_ticket(
        db, fault, TicketStatus.DISPATCHED, TicketActionKind.DISPATCH, "demo", now - timedelta(hours=2),
        "tianshui.radio",
    )  # fmt: skip
    await move_ticket(
        db, fault, TicketStatus.IN_PROGRESS, TicketActionKind.START, "radio-room", now - timedelta(hours=1)
    )
    db.add(
        TicketDispatch(
            ticket_id=fault.id, department="tianshui.radio", dispatched_by="demo",
            queued_at=now - timedelta(hours=2), due_at=fault.due_at, state="taken",
            since=now - timedelta(hours=1), taken_by="radio-room", version=1,
        )
    )  # fmt: skip
    dispute = await open_ticket(
        db,
        NewTicket(
            kind=TicketKind.COMPLAINT,
            category="billing_dispute",
            subcategory="usage",
            severity=Severity.ORDINARY,
            prefecture="jiuquan",
            caller_number="13800000003",
            customer_id=customers["13800000003"].id,
            created_via="agent",
            description="上网流量与账单不符 / data usage does not match the bill",
            actor="demo",
        ),
        now - timedelta(hours=5),
    )
    await move_ticket(
        db, dispute, TicketStatus.DISPATCHED, TicketActionKind.DISPATCH, "demo", now - timedelta(hours=4),
        "jiuquan.billing",
    )  # fmt: skip
    db.add(
        TicketDispatch(
            ticket_id=dispute.id, department="jiuquan.billing", dispatched_by="demo",
            queued_at=now - timedelta(hours=4), due_at=dispute.due_at, state="queued",
            since=now - timedelta(hours=4), version=0,
        )
    )  # fmt: skip
    await seed_demo_agents(db)
    await seed_demo_users(db, now)
    await seed_customer_base(db, today, now)
    return SeedSummary(
        customers=len(DEMO_CUSTOMERS),
        accounts=len(DEMO_CUSTOMERS),
        bills=bills,
        charges=charges,
        knowledge_entries=entries,
        tickets=2,
        lines=lines,
    )
