"""Network fault categories and their time limits (seed 003, "network quality complaints", per
responsible department). Used by the IVR's fault menu and by the due times of fault tickets.

For each category: the first-line pre-processing by the monitoring room (``preprocess``), the fix
by the responsible department in the ordinary case (``fix``), and the longer limit some causes are
allowed (``longest_fix``: indoor coverage 3 months, a new site 6 months, hardware 72 h, ...).
Every fault then has its solution confirmed and replied to the customer within 20 minutes
(:data:`REPLY_AFTER_FIX`). A ticket's due time is pre-processing + fix + reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

REPLY_AFTER_FIX = timedelta(minutes=20)
_H = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FaultCategory:
    code: str
    name_zh: str
    name_en: str
    preprocess: timedelta | None
    fix: timedelta
    longest_fix: timedelta | None = None
    note: str = ""

    @property
    def time_limit(self) -> timedelta:
        """From report to the customer being told the fix: the ticket's due time."""
        return (self.preprocess or timedelta(0)) + self.fix + REPLY_AFTER_FIX


FAULT_CATEGORIES: tuple[FaultCategory, ...] = (
    FaultCategory(
        "roaming", "漫游后无法使用或漫游计费异常", "Phone unusable or wrongly billed when roaming",
        preprocess=2 * _H, fix=1 * _H, note="switching room fixes local data / signalling in 1 h",
    ),
    FaultCategory(
        "border_roaming", "边界漫游", "Border roaming (signal crossing a border)",
        preprocess=None, fix=48 * _H, longest_fix=72 * _H,
        note="parameters 48 h, hardware 72 h; the call charges are credited within 30 min",
    ),
    FaultCategory(
        "interconnect", "与其他运营商互拨不通", "Cannot call or be called from other operators",
        preprocess=2 * _H, fix=2 * _H, longest_fix=24 * _H,
        note="local fault 2 h; interconnect coordination with the other operator 24 h",
    ),
    FaultCategory(
        "no_signal", "无信号、信号弱或时断时续", "No signal, weak or intermittent signal",
        preprocess=1 * _H, fix=24 * _H, longest_fix=timedelta(days=183),
        note="switching or radio 24 h; indoor coverage 3 months; a new site 6 months",
    ),
    FaultCategory(
        "sms", "短信无法发送、延迟或重复", "Text messages not sent, delayed or duplicated",
        preprocess=2 * _H, fix=2 * _H,
    ),
    FaultCategory(
        "call_quality", "通话无声、掉话、串话、单通或回音", "Silence, drops, cross-talk, one-way audio, echo",
        preprocess=2 * _H, fix=24 * _H, longest_fix=timedelta(days=183),
    ),
    FaultCategory(
        "ip_dialling", "IP拨号（17950/17951）无法接通", "IP dialling (17950/17951) fails",
        preprocess=2 * _H, fix=24 * _H,
    ),
    FaultCategory(
        "mobile_data", "手机上网、WAP或GPRS缓慢或无法访问", "Mobile data, WAP or GPRS slow or unreachable",
        preprocess=2 * _H, fix=24 * _H,
    ),
    FaultCategory(
        "caller_id", "来电显示号码错误", "Caller ID shown wrongly",
        preprocess=2 * _H, fix=2 * _H, longest_fix=24 * _H,
        note="local 2 h; interconnect 24 h",
    ),
)  # fmt: skip

BY_CODE: dict[str, FaultCategory] = {c.code: c for c in FAULT_CATEGORIES}


def fault_category(code: str) -> FaultCategory:
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown fault category {code!r} (known: {', '.join(BY_CODE)})") from None
