"""Demo customer bases (the denominator of 千人抱怨率): mobile subscribers per prefecture of Gansu,
roughly in proportion to each prefecture's population, for the last 24 months, growing ~0.3 %
a month."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.customer_base import set_customer_base

__all__ = ["DEMO_CUSTOMER_BASE", "seed_customer_base"]

# subscribers today, per prefecture
DEMO_CUSTOMER_BASE: dict[str, int] = {
    "lanzhou": 3_900_000,
    "jiayuguan": 290_000,
    "jinchang": 420_000,
    "baiyin": 1_400_000,
    "tianshui": 2_600_000,
    "wuwei": 1_300_000,
    "zhangye": 1_050_000,
    "pingliang": 1_600_000,
    "jiuquan": 970_000,
    "qingyang": 1_750_000,
    "dingxi": 2_000_000,
    "longnan": 1_900_000,
    "linxia": 1_650_000,
    "gannan": 560_000,
}


async def seed_customer_base(db: AsyncSession, today: date, now: datetime, months: int = 24) -> int:
    """Set the bases of the last ``months`` months up to this one (caller commits); rows written."""
    written = 0
    for back in range(months):
        index = today.year * 12 + today.month - 1 - back
        month = f"{index // 12:04d}-{index % 12 + 1:02d}"
        for prefecture, customers in DEMO_CUSTOMER_BASE.items():
            await set_customer_base(db, prefecture, month, round(customers / 1.003**back), now)
            written += 1
    return written
