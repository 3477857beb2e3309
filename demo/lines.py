"""The demo customers' lines and the services on them (``hotline seed``).

Every customer has a line of their own number (mobile, or local for the fixed line); some have
more, so each business line of the catalogue has a demo line to order on:

===========  =============  ==============  =====================================================
customer     line           business        services
===========  =============  ==============  =====================================================
13800000001  13800000001    mobile          caller ID
             09311234567    internet        (home broadband)
13800000003  13800000003    mobile          caller ID, international roaming
13800000004  13800000004    mobile
             09367700001    internet        fixed IP address (the company's data private line)
             09368800004    local           call waiting
13800000005  17951000005    ip              IP dialling 17951
13800000006  1270000006     paging          weather forecasts
13800000010  09417700010    internet        (data private line)
09318123456  09318123456    local           abbreviated dialling
             09318123457    long_distance   national long distance discount pack
===========  =============  ==============  =====================================================
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.billing import Service
from storage.customers import Customer
from storage.lines import Line, LineService, LineStatus, ServiceStatus

__all__ = ["EXTRA_LINES", "SERVICES", "seed_demo_lines"]

# (customer's number, line number, business line)
EXTRA_LINES: tuple[tuple[str, str, Service], ...] = (
    ("13800000001", "09311234567", Service.INTERNET),
    ("13800000004", "09367700001", Service.INTERNET),
    ("13800000004", "09368800004", Service.LOCAL),
    ("13800000005", "17951000005", Service.IP),
    ("13800000006", "1270000006", Service.PAGING),
    ("13800000010", "09417700010", Service.INTERNET),
    ("09318123456", "09318123457", Service.LONG_DISTANCE),
)
# (line number, catalogue code, monthly fee in fen)
SERVICES: tuple[tuple[str, str, int], ...] = (
    ("13800000001", "caller_id", 500),
    ("13800000003", "caller_id", 500),
    ("13800000003", "intl_roaming", 0),
    ("09367700001", "fixed_ip", 5000),
    ("09368800004", "call_waiting", 300),
    ("17951000005", "ip_17951", 0),
    ("1270000006", "paging_weather", 300),
    ("09318123456", "abbreviated_dialing", 200),
    ("09318123457", "ld_discount", 1000),
)


async def seed_demo_lines(db: AsyncSession, customers: dict[str, Customer], now: datetime) -> int:
    """Add the lines and their services (caller commits); returns how many lines."""
    lines: dict[str, Line] = {}
    own = [(n, n, Service.LOCAL if n.startswith("0") else Service.MOBILE) for n in customers]
    for holder, number, business in (*own, *EXTRA_LINES):
        line = Line(
            customer_id=customers[holder].id,
            number=number,
            business=business,
            status=LineStatus.ACTIVE,
            status_since=now,
            opened_at=now,
        )
        db.add(line)
        lines[number] = line
    await db.flush()
    for number, code, fee in SERVICES:
        db.add(
            LineService(
                line_id=lines[number].id,
                code=code,
                status=ServiceStatus.ACTIVE,
                monthly_fee_fen=fee,
                effective_from=now.date(),
            )
        )
    await db.flush()
    return len(lines)
