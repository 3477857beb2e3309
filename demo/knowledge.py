"""The demo knowledge base (统一口径): a few hundred entries over the 23 categories a provincial
knowledge base is kept in (seed 002: 5,500 entries in 23 categories), in Chinese and English.

Entries are made from templates over tables of real offers — plans, data packs, roaming zones,
broadband speeds, payment channels, the 14 prefectures' service halls and area codes — so each
reads like a standard answer an agent would give. Deterministic: the same list every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from prompts.language import Language
from storage.knowledge import KnowledgeText, Topic, add_version
from storage.prefectures import PREFECTURES

__all__ = ["CATEGORIES", "DemoEntry", "demo_knowledge", "seed_demo_knowledge"]

ANSWERS = Path(__file__).with_name("knowledge_answers.yaml")

T = Topic
# category code → (topic, zh, en): 23 categories
CATEGORIES: dict[str, tuple[Topic, str, str]] = {
    "plans": (T.TARIFFS, "套餐资费", "plans"),
    "data_tariffs": (T.TARIFFS, "流量资费", "data tariffs"),
    "roaming_tariffs": (T.TARIFFS, "漫游资费", "roaming tariffs"),
    "broadband_install": (T.BROADBAND, "宽带新装", "new broadband"),
    "broadband_speed": (T.BROADBAND, "宽带提速", "broadband speeds"),
    "broadband_selfcheck": (T.BROADBAND, "宽带故障自查", "broadband self check"),
    "broadband_fees": (T.BROADBAND, "宽带资费", "broadband fees"),
    "lost_phone": (T.MOBILE, "挂失停机与复机", "lost phone and resuming"),
    "sim_card": (T.MOBILE, "补换卡", "SIM cards"),
    "ownership": (T.MOBILE, "过户与实名", "ownership and real names"),
    "mobile_data": (T.MOBILE, "手机上网设置", "mobile data set-up"),
    "fixed_install": (T.FIXED_LINE, "固话新装与移机", "fixed line install and moves"),
    "fixed_features": (T.FIXED_LINE, "固话功能", "fixed line features"),
    "private_apply": (T.PRIVATE_LINE, "专线申请", "private line applications"),
    "private_support": (T.PRIVATE_LINE, "专线保障", "private line support"),
    "bill_query": (T.BILLING, "话费查询", "bill queries"),
    "payment": (T.BILLING, "缴费方式", "ways to pay"),
    "arrears": (T.BILLING, "欠费与停复机", "arrears"),
    "invoices": (T.BILLING, "发票", "invoices"),
    "ip_calls": (T.LONG_DISTANCE, "IP长途", "IP calls"),
    "international": (T.LONG_DISTANCE, "国际长途", "international calls"),
    "paging_info": (T.VALUE_ADDED, "寻呼信息服务", "paging information"),
    "value_added": (T.VALUE_ADDED, "增值业务", "value-added services"),
}


@dataclass(frozen=True, slots=True)
class DemoEntry:
    key: str
    category: str
    title_zh: str
    text_zh: str
    title_en: str
    text_en: str
    keywords_zh: str = ""
    keywords_en: str = ""
    prefecture: str | None = None

    @property
    def topic(self) -> Topic:
        return CATEGORIES[self.category][0]


E = DemoEntry
PLANS = ((38, 200, 10), (58, 500, 20), (88, 800, 40), (128, 1200, 60), (198, 2000, 100), (18, 50, 3))
DATA_PACKS = ((1, 10, "日包"), (5, 20, "月包"), (10, 30, "月包"), (20, 50, "月包"), (40, 80, "月包"))
ROAMING = (
    ("港澳台", "Hong Kong, Macao and Taiwan", 25, 99),
    ("日韩及东南亚", "Japan, Korea and South East Asia", 30, 128),
    ("欧美", "Europe and North America", 40, 168),
    ("澳新", "Australia and New Zealand", 40, 168),
    ("其他国家和地区", "other countries", 60, 198),
)
SPEEDS = ((100, 50), (200, 80), (500, 120), (1000, 199))
PAYMENTS = (
    ("营业厅", "a service hall", "现金、银行卡均可，即时到账", "cash or bank card, credited at once"),
    (
        "网上营业厅",
        "the online shop",
        "支持银行卡和第三方支付，即时到账",
        "bank card or online payment, at once",
    ),
    ("手机客户端", "the mobile app", "登录后选择充值缴费，即时到账", "log in and choose top up, at once"),
    (
        "充值卡",
        "a top-up voucher",
        "拨打充值号码按提示输入卡密",
        "call the top-up number and key the voucher",
    ),
    ("银行代扣", "bank direct debit", "签约后每月自动扣款，次月生效", "debited monthly, from next month"),
    ("自助缴费机", "a self-service kiosk", "支持现金和银行卡，二十四小时服务", "cash or card, day and night"),
)
APPS = (
    ("视频", "video", 15),
    ("音乐", "music", 6),
    ("地图导航", "maps", 5),
    ("社交", "social", 9),
    ("游戏", "games", 12),
)
FAULT_CHECKS = (
    (
        "光猫指示灯",
        "modem lights",
        "请检查光猫的光信号灯，若红灯闪烁请申报故障",
        "a blinking red optical light: report a fault",
    ),
    (
        "重启设备",
        "restarting",
        "请先重启光猫和路由器，等待三分钟后再试",
        "restart modem and router, wait three minutes",
    ),
    (
        "网线连接",
        "cables",
        "请检查网线两端是否插紧，可更换网线再试",
        "check both ends of the cable, try another",
    ),
    (
        "无线信号",
        "Wi-Fi",
        "无线上网慢时请靠近路由器或改用网线连接",
        "move closer to the router or use a cable",
    ),
    (
        "账号密码",
        "account password",
        "拨号提示密码错误时请拨打热线重置宽带密码",
        "a password error: call us to reset it",
    ),
)


def _province_wide() -> Iterator[DemoEntry]:
    for fee, minutes, gb in PLANS:
        yield E(
            f"plan_{fee}",
            "plans",
            f"{fee}元套餐",
            f"{fee}元套餐每月{fee}元，含国内通话{minutes}分钟、国内流量{gb}G，"
            f"超出后通话每分钟1角5分，次月生效。",
            f"{fee} yuan plan",
            f"The {fee} yuan plan includes {minutes} "
            f"national minutes and {gb} gigabytes a month; it takes effect next month.",
            f"套餐 资费 {fee}元 通话 流量",
            f"plan tariff {fee}",
        )
    for gb, fee, kind in DATA_PACKS:
        yield E(
            f"data_pack_{gb}g",
            "data_tariffs",
            f"{gb}G流量{kind}",
            f"{gb}G流量{kind}{fee}元，"
            f"{'当日有效' if kind == '日包' else '当月有效，可按月续订'}，发送短信LL{gb}到10001订购。",
            f"{gb} GB data pack",
            f"A {gb} gigabyte data pack costs {fee} yuan; text LL{gb} to 10001.",
            f"流量 流量包 加油包 {gb}G 上网",
            f"data pack {gb}GB",
        )
    for n, (zh, en, day, week) in enumerate(ROAMING, 1):
        yield E(
            f"intl_rate_{n}",
            "international",
            f"拨打{zh}",
            f"从国内拨打{zh}每分钟{day // 10}元，需先开通国际长途，IP拨号另有优惠。",
            f"Calling {en}",
            f"Calls to {en} cost {day // 10} yuan a minute once international calls are open.",
            f"国际长途 资费 {zh}",
            f"international rate {en}",
        )
        yield E(
            f"roaming_{n}",
            "roaming_tariffs",
            f"{zh}漫游",
            f"前往{zh}请提前开通国际漫游，日租包每天{day}元，七天包{week}元，按当地时间自然日计费。",
            f"Roaming in {en}",
            f"Activate roaming before you go to {en}: {day} yuan a day or {week} yuan a week.",
            f"漫游 国际漫游 出国 {zh}",
            "roaming abroad",
        )
    for speed, fee in SPEEDS:
        yield E(
            f"broadband_{speed}m",
            "broadband_speed",
            f"{speed}M宽带",
            f"{speed}M宽带每月{fee}元，提速在网上营业厅或拨打热线转人工办理，次月一日生效。",
            f"{speed} Mbit/s broadband",
            f"{speed} Mbit/s broadband costs {fee} yuan a month; "
            "upgrades take effect on the 1st of next month.",
            f"宽带 提速 {speed}M 网速",
            f"broadband speed {speed}",
        )
        yield E(
            f"broadband_fee_{speed}m",
            "broadband_fees",
            f"{speed}M宽带包年",
            f"{speed}M宽带包年{fee * 10}元，相当于十个月的费用，到期前一个月短信提醒续费。",
            f"{speed} Mbit/s for a year",
            f"A year of {speed} Mbit/s broadband costs {fee * 10} yuan, ten months' fees.",
            f"宽带 包年 资费 {speed}M",
            "broadband yearly",
        )
    for n, (zh, en, text_zh, text_en) in enumerate(FAULT_CHECKS, 1):
        yield E(
            f"broadband_check_{n}",
            "broadband_selfcheck",
            f"宽带自查：{zh}",
            text_zh,
            f"Broadband check: {en}",
            text_en.capitalize() + ".",
            f"宽带 上不了网 断网 {zh}",
            f"broadband down {en}",
        )
    for app_zh, app_en, fee in APPS:
        yield E(
            f"app_pack_{fee}",
            "data_tariffs",
            f"{app_zh}定向流量包",
            f"{app_zh}定向流量包每月{fee}元，使用{app_zh}类应用不计通用流量，次月生效。",
            f"{app_en} data pack",
            f"For {fee} yuan a month, {app_en} apps do not count against your data.",
            f"定向流量 {app_zh} 流量包",
            f"app data {app_en}",
        )
    for n, (zh, en, text_zh, text_en) in enumerate(PAYMENTS, 1):
        yield E(
            f"payment_{n}",
            "payment",
            f"通过{zh}缴费",
            f"可通过{zh}缴费：{text_zh}。",
            f"Paying at {en}",
            f"You can pay at {en}: {text_en}.",
            f"缴费 交话费 充值 {zh}",
            f"pay top up {en}",
        )
    yield from _fixed_answers()


def _fixed_answers() -> Iterator[DemoEntry]:
    for raw in yaml.safe_load(ANSWERS.read_text(encoding="utf-8")):
        zh, en = raw["zh"], raw["en"]
        yield E(
            raw["key"], raw["category"], zh["title"], zh["text"], en["title"], en["text"], zh["keywords"],
            en["keywords"],
        )  # fmt: skip


def _per_prefecture() -> Iterator[DemoEntry]:
    for n, p in enumerate(PREFECTURES, 1):
        code = f"09{30 + n:02d}"
        yield E(
            f"hall_{p.code}",
            "bill_query",
            f"{p.name_zh}营业厅",
            f"{p.name_zh}中心营业厅位于市中心人民路，营业时间每天八点半至十八点，节假日不休。",
            f"{p.name_en} service hall",
            f"The {p.name_en} service hall on People's Road is open every day from 8:30 to 18:00.",
            f"营业厅 地址 营业时间 {p.name_zh}",
            f"service hall {p.name_en}",
            p.code,
        )
        yield E(
            f"coverage_{p.code}",
            "broadband_install",
            f"{p.name_zh}宽带报装",
            f"{p.name_zh}城区已覆盖光纤宽带，报装后两个工作日内上门，乡镇地区请先查询覆盖情况。",
            f"Broadband in {p.name_en}",
            f"Fibre covers {p.name_en} town; an engineer comes within two working days.",
            f"宽带 新装 覆盖 {p.name_zh}",
            f"broadband install {p.name_en}",
            p.code,
        )
        yield E(
            f"pay_points_{p.code}",
            "payment",
            f"{p.name_zh}缴费网点",
            f"{p.name_zh}各营业厅、合作银行网点和便利店均可缴费，自助缴费机分布在各区营业厅门口。",
            f"Paying in {p.name_en}",
            f"In {p.name_en} you can pay at every hall, partner banks and convenience stores.",
            f"缴费 网点 {p.name_zh}",
            f"pay {p.name_en}",
            p.code,
        )
        yield E(
            f"manager_{p.code}",
            "private_support",
            f"{p.name_zh}大客户经理",
            f"{p.name_zh}的大客户和专线用户由专属客户经理服务，拨打热线后在大客户菜单按8直接联系。",
            f"Account managers in {p.name_en}",
            f"Big and private line customers in {p.name_en} have an account manager: "
            "press 8 in the VIP menu.",
            f"客户经理 大客户 专线 {p.name_zh}",
            f"account manager {p.name_en}",
            p.code,
        )
        yield E(
            f"repair_{p.code}",
            "broadband_selfcheck",
            f"{p.name_zh}装维服务",
            f"{p.name_zh}装维人员在接到故障单后城区四小时、乡镇二十四小时内上门。",
            f"Repairs in {p.name_en}",
            f"In {p.name_en} engineers come within four hours in town and a day elsewhere.",
            f"维修 上门 装维 {p.name_zh}",
            f"repair {p.name_en}",
            p.code,
        )
        yield E(
            f"area_{p.code}",
            "fixed_features",
            f"{p.name_zh}区号",
            f"{p.name_zh}长途区号为{code}，本地网内通话按市话计费。",
            f"{p.name_en} area code",
            f"The area code of {p.name_en} is {' '.join(code)}; calls within it are local.",
            f"区号 长途 本地网 {p.name_zh}",
            f"area code {p.name_en}",
            p.code,
        )


def demo_knowledge() -> list[DemoEntry]:
    return [*_province_wide(), *_per_prefecture()]


async def seed_demo_knowledge(db: AsyncSession, now: datetime) -> int:
    """Add every demo entry in both languages as version 1, in force since a month before ``now``
    (caller commits); returns the rows added."""
    rows = 0
    since = now - timedelta(days=30)
    positions: dict[Topic, int] = {}
    for entry in demo_knowledge():
        position = positions[entry.topic] = positions.get(entry.topic, 0) + 1
        category = CATEGORIES[entry.category]
        for language, title, text, keywords, category_name in (
            (Language.ZH, entry.title_zh, entry.text_zh, entry.keywords_zh, category[1]),
            (Language.EN, entry.title_en, entry.text_en, entry.keywords_en, category[2]),
        ):
            await add_version(
                db,
                KnowledgeText(
                    key=entry.key, topic=entry.topic, language=language, title=title, text=text,
                    category=category_name, keywords=keywords, prefecture=entry.prefecture, position=position,
                    effective_from=since,
                ),
                "demo",
                since,
            )  # fmt: skip
            rows += 1
    return rows
