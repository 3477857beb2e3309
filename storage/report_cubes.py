"""The reports' pre-aggregated interval tables (cubes), at two grains: 15 minutes and one day.

Each family of counters (:mod:`reports.intervals`, :mod:`reports.ivr_nodes`,
:mod:`reports.dialling`, :mod:`reports.agent_time`) has a table per grain: the key columns
(``start``, the interval's local start stored in UTC, then the family's dimensions) and one
whole-number column per counter.  The day tables let a year be read as 365 buckets per key
instead of 35,040; both are maintained together, as calls end, by :func:`upsert_counters`
(``INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n``, ``GREATEST`` / ``max`` for the
maxima) and rebuilt from the raw rows by :mod:`reports.rebuild`.

The counter names here are the fields of the reports' counters dataclasses (a tuple field is one
column per element, e.g. ``answered_within_20``); a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, String, Table, delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Base, UtcDateTime, dialect_of

__all__ = ["CUBES", "GRAINS", "CubeTable", "clear_range", "cube_table", "upsert_counters"]

GRAINS = ("15min", "day")
SERVICE_LEVEL_BOUNDS_S = (10, 15, 20, 30, 45, 60, 90, 120, 180, 300)


@dataclass(frozen=True, slots=True)
class CubeTable:
    family: str
    grain: str
    table: Table
    keys: tuple[str, ...]  # start first
    counters: tuple[str, ...]
    maxima: frozenset[str]


def _define(
    family: str, dims: Sequence[str], counters: Sequence[str], maxima: Sequence[str] = ()
) -> dict[str, CubeTable]:
    out = {}
    for grain in GRAINS:
        name = f"cube_{family}_{'15m' if grain == '15min' else 'day'}"
        table = Table(
            name,
            Base.metadata,
            Column("start", UtcDateTime(), primary_key=True),
            *(Column(d, String(64), primary_key=True) for d in dims),
            *(Column(c, BigInteger, nullable=False, default=0) for c in counters),
        )
        out[grain] = CubeTable(family, grain, table, ("start", *dims), tuple(counters), frozenset(maxima))
    return out


CALL_COUNTERS = (
    "offered",
    "self_served",
    "abandoned_ivr",
    "queued",
    "answered",
    "abandoned_queue",
    "short_abandons",
    *(f"answered_within_{b}" for b in SERVICE_LEVEL_BOUNDS_S),
    "answer_wait_ms",
    "abandon_wait_ms",
    "max_wait_ms",
    "offers",
    "handled",
    "talk_ms",
    "hold_ms",
    "wrap_ms",
    "transfers",
    "escalations",
    "rated_satisfied",
    "rated_basically_satisfied",
    "rated_unsatisfied",
)

CUBES: dict[str, dict[str, CubeTable]] = {
    "calls": _define("calls", ("prefecture", "skill", "agent"), CALL_COUNTERS, ("max_wait_ms",)),
    "ivr": _define("ivr", ("prefecture", "node"), ("visits", "self_served", "hung_up", "to_agent")),
    "outbound": _define(
        "outbound",
        ("prefecture", "campaign", "agent"),
        (
            "attempts",
            "contacted",
            "no_answer",
            "busy",
            "unreachable",
            "dialer_abandoned",
            "promises_to_pay",
            "handle_ms",
        ),
    ),
    "agent_time": _define(
        "agent_time",
        ("prefecture", "agent"),
        ("available_ms", "reserved_ms", "on_call_ms", "wrap_up_ms", "paused_ms", "qa_scored", "qa_points"),
    ),
}


def cube_table(family: str, grain: str) -> CubeTable:
    return CUBES[family][grain]


async def upsert_counters(db: AsyncSession, cube: CubeTable, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add ``rows`` (key columns and counters; one row per key) into the table (caller commits).

    One single-row statement executed for every row (the driver's executemany), not a multi-row
    VALUES list: that was a new statement per number of rows, and every one of them a prepared
    statement in each pooled connection's cache (the soak's node walk saw them grow per batch)."""
    if not rows:
        return
    postgres = dialect_of(db) == "postgresql"
    stmt = (postgresql if postgres else sqlite).insert(cube.table)
    biggest = func.greatest if postgres else func.max
    t = cube.table.c
    changes = {
        c: biggest(t[c], stmt.excluded[c]) if c in cube.maxima else t[c] + stmt.excluded[c]
        for c in cube.counters
    }
    await db.execute(stmt.on_conflict_do_update(index_elements=list(cube.keys), set_=changes), list(rows))


async def clear_range(db: AsyncSession, cube: CubeTable, since: datetime, until: datetime) -> int:
    """Delete the buckets starting in ``[since, until)`` (before a rebuild); the count deleted."""
    t = cube.table.c
    done = await db.execute(delete(cube.table).where(t.start >= since, t.start < until))
    return int(getattr(done, "rowcount", 0) or 0)
