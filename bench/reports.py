"""``hotline bench reports``: a year of calls for 15 centres on PostgreSQL, and how fast the
province's monthly and yearly reports come back from the pre-aggregates.

Scale (default): 10,000,000 inbound calls in 2024 (≈ 27,300 a day) spread evenly over the 14
prefectures and the provincial centre, 5 skills, 40 agents per centre; ≈ 78 % answered by an
agent (one leg each, hold and wrap-up), 10 % abandoned in the queue, 8 % self-served and 4 %
abandoned in the IVR.  The rows are made by the database itself (``INSERT … SELECT … FROM
generate_series``), the pre-aggregates by the same ``GROUP BY`` as ``hotline report rebuild``
(:func:`reports.rebuild.refill_from_calls`), a month at a time.  Then the traffic report of the
province by prefecture is timed for March and for the whole year (best of ``repeat``), read as
the API reads it (:class:`reports.library.ReportLibrary`).  IVR node visits are not generated.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reports.cube import ALL
from reports.library import ReportLibrary, ReportRequest
from reports.periods import SHANGHAI, Grain, Period
from reports.rebuild import refill_from_calls
from storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
from storage.prefectures import PREFECTURES, PROVINCE
from storage.settings import StorageSettings

__all__ = ["CENTRES", "YEAR", "Scale", "run"]

YEAR = 2024
CENTRES: tuple[str, ...] = (PROVINCE.code, *(p.code for p in PREFECTURES))


@dataclass(frozen=True, slots=True)
class Scale:
    rows: int = 10_000_000
    repeat: int = 3


def _say(message: str) -> None:
    print(f"bench reports: {message}", file=sys.stderr, flush=True)


# One row per call; i runs 0..n-1, evenly over the year, r is a pseudo-random 0..9999 per call.
_CALLS = """
INSERT INTO call_records (
    call_id, direction, prefecture, arrived_at, interval_start, day_start, ivr_ended_at, queued_at,
    hung_up_at, skill, outcome, hung_up_by, cause, segment, self_served, ivr_path, ivr_exit_node,
    disposition, rating, campaign, caller_number, answered_at, first_agent, first_skill, last_agent,
    last_skill, queue_wait_ms, handle_ms, written_at)
SELECT
    'B' || i, 'inbound', c.code, t.arrived,
    date_bin('15 minutes', t.arrived, TIMESTAMPTZ '2000-01-01 00:00:00+08'),
    date_trunc('day', t.arrived AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai',
    t.arrived + interval '20 seconds',
    CASE WHEN o.kind IN ('answered', 'abandoned_in_queue') THEN t.arrived + interval '20 seconds' END,
    t.arrived + interval '20 seconds' + make_interval(secs => (o.wait + o.talk) / 1000.0),
    CASE WHEN o.kind IN ('answered', 'abandoned_in_queue') THEN o.skill END,
    o.kind, 'caller', 16, 'normal', o.kind = 'self_served', 'main>' || o.skill, o.skill,
    NULL, o.rating, NULL, '',
    CASE WHEN o.kind = 'answered'
         THEN t.arrived + interval '20 seconds' + make_interval(secs => o.wait / 1000.0) END,
    CASE WHEN o.kind = 'answered' THEN o.agent ELSE '' END,
    CASE WHEN o.kind = 'answered' THEN o.skill ELSE '' END,
    CASE WHEN o.kind = 'answered' THEN o.agent ELSE '' END,
    CASE WHEN o.kind = 'answered' THEN o.skill ELSE '' END,
    CASE WHEN o.kind IN ('answered', 'abandoned_in_queue') THEN o.wait END,
    CASE WHEN o.kind = 'answered' THEN o.talk + o.wrap ELSE 0 END,
    now()
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
CROSS JOIN LATERAL (SELECT ((i::bigint * 7919 + 104729) % 10000)::int AS r) AS h
CROSS JOIN LATERAL (
    SELECT TIMESTAMPTZ '2024-01-01 00:00:00+08'
           + make_interval(secs => (i::float8 * 31622400.0 / CAST(:n AS float8)) + (h.r % 50)) AS arrived
) AS t
CROSS JOIN LATERAL (SELECT (CAST(:centres AS text[]))[1 + i % 15] AS code) AS c
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN h.r < 800 THEN 'self_served' WHEN h.r < 1200 THEN 'abandoned_in_ivr'
             WHEN h.r < 2200 THEN 'abandoned_in_queue' ELSE 'answered' END AS kind,
        (ARRAY['consult', 'billing', 'complaint', 'fault', 'general'])[1 + (i / 15) % 5] AS skill,
        c.code || '-' || ((i / 75) % 40) AS agent,
        CASE WHEN h.r < 1200 THEN 0 ELSE (h.r * 7) % 60000 END AS wait,
        CASE WHEN h.r < 2200 THEN 0 ELSE 60000 + (h.r * 37) % 400000 END AS talk,
        CASE WHEN h.r < 2200 THEN 0 ELSE (h.r * 13) % 30000 END AS wrap,
        CASE WHEN h.r >= 2200 AND h.r % 5 = 0 THEN
             (ARRAY['satisfied', 'basically_satisfied', 'unsatisfied'])[1 + h.r % 3] END AS rating
) AS o
"""

_LEGS = """
INSERT INTO call_legs (call_id, seq, agent, skill, offered_at, answered_at, ended_at, wrap_up_end,
                       hold_ms, talk_ms, wrap_ms, transferred, escalated)
SELECT call_id, 0, first_agent, first_skill, answered_at, answered_at,
       answered_at + make_interval(secs => (handle_ms - w.wrap) / 1000.0),
       answered_at + make_interval(secs => handle_ms / 1000.0),
       w.hold, handle_ms - w.wrap - w.hold, w.wrap, false, false
FROM call_records
CROSS JOIN LATERAL (
    SELECT (((substr(call_id, 2)::bigint * 7919 + 104729) % 10000)::int * 13) % 30000 AS wrap,
           (((substr(call_id, 2)::bigint * 7919 + 104729) % 10000)::int * 3) % 20000 AS hold
) AS w
WHERE outcome = 'answered' AND arrived_at >= CAST(:since AS timestamptz)
  AND arrived_at < CAST(:until AS timestamptz)
"""


async def _generate(sessions: async_sessionmaker[AsyncSession], n: int) -> None:
    chunk = max(1, min(n, 1_000_000))
    for first in range(0, n, chunk):
        last = min(n, first + chunk) - 1
        async with sessions() as db:
            await db.execute(text(_CALLS), {"first": first, "last": last, "n": n, "centres": list(CENTRES)})
            await db.commit()
        _say(f"calls {last + 1:,}/{n:,}")
    for month in Period(Grain.YEAR, datetime(YEAR, 1, 1, tzinfo=SHANGHAI)).parts(Grain.MONTH):
        async with sessions() as db:
            await db.execute(text(_LEGS), {"since": month.start, "until": month.end})
            await db.commit()
        _say(f"legs of {month.code}")


async def _aggregate(sessions: async_sessionmaker[AsyncSession]) -> None:
    for month in Period(Grain.YEAR, datetime(YEAR, 1, 1, tzinfo=SHANGHAI)).parts(Grain.MONTH):
        async with sessions() as db:
            await refill_from_calls(db, month.start, month.end)
            await db.commit()
        _say(f"pre-aggregates of {month.code}")


async def _count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def _timed(library: ReportLibrary, period: Period, repeat: int) -> tuple[float, Any]:
    best, report = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        report = await library.report(ReportRequest("traffic", period, ALL))
        best = min(best, time.perf_counter() - started)
    return best, report


async def run(url: str, scale: Scale = Scale(), *, keep: bool = False) -> dict[str, Any]:
    """Fill the database at ``url`` (its tables are dropped first) and time the reports."""
    engine = create_engine_from_settings(StorageSettings(url=url))
    if engine.dialect.name != "postgresql":
        raise ValueError("bench reports runs on PostgreSQL (generate_series, date_bin)")
    try:
        await drop_schema(engine)
        await create_schema(engine)
        sessions = session_factory(engine)
        started = time.perf_counter()
        await _generate(sessions, scale.rows)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        await _aggregate(sessions)
        aggregated = time.perf_counter() - started
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
        library = ReportLibrary(sessions, CENTRES)
        monthly_s, monthly = await _timed(
            library, Period(Grain.MONTH, datetime(YEAR, 3, 1, tzinfo=SHANGHAI)), scale.repeat
        )
        yearly_s, yearly = await _timed(
            library, Period(Grain.YEAR, datetime(YEAR, 1, 1, tzinfo=SHANGHAI)), scale.repeat
        )
        total = yearly.row(prefecture=ALL)
        result = {
            "rows": await _count(engine, "call_records"),
            "legs": await _count(engine, "call_legs"),
            "cube_day_rows": await _count(engine, "cube_calls_day"),
            "cube_15m_rows": await _count(engine, "cube_calls_15m"),
            "centres": len(CENTRES),
            "year": YEAR,
            "backend": "postgresql",
            "generate_s": round(generated, 1),
            "aggregate_s": round(aggregated, 1),
            "monthly_s": round(monthly_s, 4),
            "yearly_s": round(yearly_s, 4),
            "yearly_offered": total["offered"],
            "yearly_service_level": total["service_level"],
            "monthly_offered": monthly.row(prefecture=ALL)["offered"],
        }
        if not keep:
            await drop_schema(engine)
        return result
    finally:
        await engine.dispose()
