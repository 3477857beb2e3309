"""PostgreSQL unreachable for 30 s while calls flow (a TCP proxy in front of the machine's server
refuses and drops every connection; the server itself is never touched): calls keep being queued,
answered and ended (the ACD does not need the database), and the call records finished meanwhile
are kept by the record writer and written when the database is back — every call once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from sim.distributions import Fixed
from sim.phones import PhoneProfile
from storage.call_records import CALL_RECORDS
from tests.cti.acd_bridge.harness import Hotline, hotline
from tests.cti.ami.tcp_proxy import TcpProxy
from tests.support.databases import postgres_database  # noqa: F401

from .traffic import check_nothing_lost, run_traffic, until_settled

SPEED = 2.0
OUTAGE_S = 30.0  # real seconds

pytestmark = pytest.mark.postgres


def through(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username + '@' if parts.username else ''}{proxy.host}:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


async def cut_database(line: Hotline, proxy: TcpProxy, after_s: float, times: dict[str, float]) -> None:
    await line.sim.clock.sleep(after_s)
    proxy.refuse = True
    proxy.kill_all()
    times["down"] = line.sim.clock.now()
    await asyncio.sleep(OUTAGE_S)
    proxy.refuse = False
    times["up"] = line.sim.clock.now()


async def test_call_records_survive_a_database_outage(tmp_path: Path, postgres_database: str) -> None:  # noqa: F811
    target = urlsplit(postgres_database)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    phones = [PhoneProfile(f"5{i:03d}", ring=Fixed(1.0), talk=Fixed(8.0)) for i in range(4)]
    times: dict[str, float] = {}
    try:
        async with hotline(
            tmp_path,
            phones=phones,
            speed=SPEED,
            wrapup_s=0.0,
            storage_url=through(postgres_database, proxy),
            # a call's record is handed to the writer a few seconds after it ends: during the outage
            reports={"settle_s": 2.0, "cdr_grace_s": 1.0, "retry_max_s": 5.0},
        ) as line:
            reports = line.node.reports
            assert reports is not None
            callers = await run_traffic(
                line,
                calls=30,
                every_s=3.0,
                patience_s=120.0,
                during=lambda: cut_database(line, proxy, 10.0, times),
                drain_timeout_s=180.0,
            )
            await until_settled(line)
            check_nothing_lost(line, callers)
            assert proxy.refused > 0, "the node tried the database during the outage"
            ended_in_outage = [
                c for c in callers
                if c.record is not None and c.record.ended_at is not None
                and times["down"] < c.record.ended_at < times["up"]
            ]  # fmt: skip
            assert ended_in_outage, "calls ended while the database was away"
            ids = {c.record.uniqueid for c in callers if c.record is not None}  # the linkedid of each call
            async with asyncio.timeout(120):
                while True:
                    async with line.node.sessions() as db:
                        rows = await db.scalar(select(func.count()).select_from(CALL_RECORDS))
                    if rows is not None and rows >= len(ids) and len(reports.writer) == 0:
                        break
                    await asyncio.sleep(0.5)
            async with line.node.sessions() as db:
                written = set((await db.execute(select(CALL_RECORDS.c.call_id))).scalars())
            assert ids <= written, f"call records lost: {sorted(ids - written)}"
            assert len(written) == len(ids)
    finally:
        await proxy.stop()
