"""Complaint categories (seeds 003, 004) and their time limit.

Billing disputes (话费争议) come in four kinds; the departments answer within 24 hours and the
customer is told the result the same day (seed 003, "处理时限 24 小时"); the other complaints have the
same 24-hour limit for the handling department (seed 003 第十条).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Subcategory:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class ComplaintCategory:
    code: str
    name_zh: str
    name_en: str
    time_limit: timedelta = timedelta(hours=24)
    subcategories: tuple[Subcategory, ...] = ()


BILLING_DISPUTE_KINDS: tuple[Subcategory, ...] = (
    Subcategory("tariff", "资费类", "Tariff: the rate or charging rule is disputed"),
    Subcategory("service", "业务类", "Charged for a service not used"),
    Subcategory("usage", "使用类", "Usage does not match the charge"),
    Subcategory("roaming", "漫游类", "Charges while roaming"),
)

COMPLAINT_CATEGORIES: tuple[ComplaintCategory, ...] = (
    ComplaintCategory("billing_dispute", "话费争议", "Billing dispute", subcategories=BILLING_DISPUTE_KINDS),
    ComplaintCategory("service_attitude", "服务态度", "Service attitude"),
    ComplaintCategory("network_quality", "网络质量", "Network quality"),
    ComplaintCategory("business_handling", "业务办理", "Business handling"),
    ComplaintCategory("other", "其他", "Other"),
)

# Causes an agent records on a billing dispute once investigated (seed 003).
BILLING_DISPUTE_CAUSES: tuple[Subcategory, ...] = (
    Subcategory("operator", "局方原因", "Operator side"),
    Subcategory("fraud", "社会原因", "Third-party fraud"),
    Subcategory("bank_collection", "托收原因", "Bank collection"),
    Subcategory("special", "特殊情况", "Special case"),
)

BY_CODE: dict[str, ComplaintCategory] = {c.code: c for c in COMPLAINT_CATEGORIES}


def complaint_category(code: str) -> ComplaintCategory:
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown complaint category {code!r} (known: {', '.join(BY_CODE)})") from None
