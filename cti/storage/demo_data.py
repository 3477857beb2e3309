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
charges this month. 30 knowledge entries: 3 per topic in Chinese and in English (prompt ids
``kb_<topic>_<n>``). Two open tickets: ticket 00000018, a fault (no signal, in progress) for
13800000002, and ticket 00000026, a billing dispute (usage, dispatched) for 13800000003.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cti.storage.billing import Account, Bill, Charge, Service, billing_period
from cti.storage.customers import Customer, Language, Segment, hash_pin
from cti.storage.demo_agents import seed_demo_agents
from cti.storage.knowledge import KnowledgeEntry, Topic
from cti.storage.ticket_lifecycle import Severity, TicketActionKind, TicketKind, TicketStatus
from cti.storage.tickets import NewTicket, move_ticket, open_ticket
from cti.storage.users import seed_demo_users


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


_ZH, _EN = Language.ZH, Language.EN
_NORMAL, _VIP, _LINE = Segment.NORMAL, Segment.VIP, Segment.PRIVATE_LINE
_C = DemoCustomer

DEMO_CUSTOMERS: tuple[DemoCustomer, ...] = (
    _C("13800000001", "张伟", "lanzhou", _NORMAL, _ZH, "123456", balance_fen=12345),
    _C("13800000002", "李娜", "tianshui", _NORMAL, _ZH, "234567", balance_fen=3050),
    _C("13800000003", "王芳", "jiuquan", _VIP, _ZH, "345678", balance_fen=108800),
    _C("13800000004", "甘肃风电有限公司", "zhangye", _LINE, _ZH, "456789", balance_fen=2500000),
    _C("13800000005", "John Smith", "lanzhou", _NORMAL, _EN, "567890", balance_fen=8808),
    _C("13800000006", "刘洋 (市人民医院)", "baiyin", _NORMAL, _ZH, "678901", important=True),
    _C("13800000007", "陈静", "dingxi", _NORMAL, _ZH, None, balance_fen=1999),
    _C("13800000008", "Emma Brown", "jiayuguan", _VIP, _EN, "789012", balance_fen=56000),
    _C("13800000009", "赵磊", "longnan", _NORMAL, _ZH, "890123", balance_fen=-4320),
    _C("13800000010", "甘南牧业合作社", "gannan", _LINE, _ZH, "901234", balance_fen=730000),
    _C("09318123456", "周敏", "lanzhou", _NORMAL, _ZH, "112233", balance_fen=4210),
)

# (topic, zh title, zh text, en title, en text): three per topic, read to callers in this order.
KNOWLEDGE: tuple[tuple[Topic, str, str, str, str], ...] = (
    (Topic.TARIFFS, "畅聊套餐", "畅聊套餐每月58元，含国内通话500分钟和国内流量20G，超出后通话每分钟1角5分。",
     "Talk plan", "The talk plan costs 58 yuan a month with 500 national minutes and 20 gigabytes of data."),
    (Topic.TARIFFS, "流量加油包", "流量加油包10元1G，当月有效，发送短信LL到10001即可订购。",
     "Data top-up", "A data top-up costs 10 yuan for one gigabyte, valid this month. Text LL to 10001."),
    (Topic.TARIFFS, "国际漫游资费", "出境前请开通国际漫游，日租包每天25元，不限流量，按自然日计费。",
     "International roaming", "Activate roaming before travelling. The day pass costs 25 yuan a day."),
    (Topic.BROADBAND, "宽带新装", "新装宽带请携带身份证到营业厅办理，工程师将在两个工作日内上门安装。",
     "New broadband", "Bring your ID card to a shop. An engineer installs it within two working days."),
    (Topic.BROADBAND, "宽带提速", "宽带提速可在网上营业厅办理，次月一日生效，原有合约期限不变。",
     "Faster broadband", "Upgrade in the online shop. It takes effect on the first of next month."),
    (Topic.BROADBAND, "宽带自助排查", "宽带无法上网时，请先重启光猫和路由器，仍无法使用请申报故障。",
     "Broadband self check", "If broadband is down, restart the modem and router, then report a fault."),
    (Topic.MOBILE, "手机挂失停机", "手机丢失请立即拨打本热线办理挂失停机，补卡请携带身份证到营业厅。",
     "Lost phone", "If your phone is lost, call this hotline at once to suspend the line."),
    (Topic.MOBILE, "来电显示", "来电显示功能每月5元，发送短信LDXS到10001开通。",
     "Caller ID", "Caller ID costs 5 yuan a month. Text LDXS to 10001 to activate it."),
    (Topic.MOBILE, "话费充值", "可通过网上营业厅、手机客户端或充值卡充值，充值即时到账。",
     "Top up", "Top up online, in the app, or with a voucher. The money arrives at once."),
    (Topic.FIXED_LINE, "固话新装", "固定电话新装需携带身份证和房产证明，三个工作日内完成安装。",
     "New fixed line", "For a new fixed line bring your ID card and proof of address."),
    (Topic.FIXED_LINE, "固话移机", "固定电话移机请提前三天预约，同一区域内移机免收工料费。",
     "Moving a fixed line", "Book a line move three days ahead. Moves within one district are free."),
    (Topic.FIXED_LINE, "呼叫转移", "固定电话呼叫转移每月3元，拨打星72加号码加井号即可设置。",
     "Call forwarding", "Call forwarding costs 3 yuan a month. Dial star 72, the number, then hash."),
    (Topic.PRIVATE_LINE, "数据专线申请", "数据专线请联系您的客户经理，提供带宽和接入地址后五个工作日内开通。",
     "Data private line", "For a data line, give your account manager the bandwidth and address."),
    (Topic.PRIVATE_LINE, "专线服务保障", "专线用户享受全天候保障，故障四小时内到场处理。",
     "Private line service", "Private lines are supported day and night, on site within four hours."),
    (Topic.PRIVATE_LINE, "固定IP地址", "专线可申请固定公网IP地址，每个地址每月50元。",
     "Fixed IP address", "A private line can have fixed public IP addresses at 50 yuan each a month."),
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
    entries = 0
    per_topic: dict[Topic, int] = {}
    for topic, title_zh, text_zh, title_en, text_en in KNOWLEDGE:
        n = per_topic[topic] = per_topic.get(topic, 0) + 1
        for language, title, text in ((Language.ZH, title_zh, text_zh), (Language.EN, title_en, text_en)):
            db.add(
                KnowledgeEntry(
                    topic=topic,
                    language=language,
                    title=title,
                    text=text,
                    prompt_id=f"kb_{topic.value}_{n}",
                    position=n,
                    prefecture=None,
                    active=True,
                    updated_at=now,
                )
            )
            entries += 1
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
    await move_ticket(
        db, fault, TicketStatus.DISPATCHED, TicketActionKind.DISPATCH, "demo", now - timedelta(hours=2)
    )
    await move_ticket(
        db, fault, TicketStatus.IN_PROGRESS, TicketActionKind.START, "radio-room", now - timedelta(hours=1)
    )
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
        db, dispute, TicketStatus.DISPATCHED, TicketActionKind.DISPATCH, "demo", now - timedelta(hours=4)
    )
    await seed_demo_agents(db)
    await seed_demo_users(db, now)
    return SeedSummary(
        customers=len(DEMO_CUSTOMERS),
        accounts=len(DEMO_CUSTOMERS),
        bills=bills,
        charges=charges,
        knowledge_entries=entries,
        tickets=2,
    )
