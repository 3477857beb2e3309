"""The cubes in the database (:mod:`storage.report_cubes`): written as calls end, read by reports.

* :func:`store_cube` adds a cube (one call's contributions, or a batch's) to the 15-minute table
  and, rolled up, to the day table of its family, in the caller's transaction.
* :func:`read_cube` reads what one report needs with a ``GROUP BY`` in the database: only the
  row dimensions are kept (the others are summed and become :data:`~reports.cube.ALL`), and
  ``start`` is kept only when the report is broken down by interval.  The day table serves every
  period of a day or more unless the report is broken down by hour or quarter hour, so a
  province's year is 365 buckets per key, summed by the database, not millions of rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.agent_time import AgentKey, AgentTimeCounters
from reports.cube import ALL, roll_up
from reports.dialling import OutboundCounters, OutboundKey
from reports.intervals import SERVICE_LEVEL_BOUNDS_S, CallCounters, CallKey
from reports.ivr_nodes import IvrCounters, IvrKey
from reports.periods import SHANGHAI, Grain, Period
from reports.slicing import INTERVAL
from storage.report_cubes import CubeTable, cube_table, upsert_counters

__all__ = ["FAMILIES", "Family", "counter_columns", "counters_from_row", "read_cube", "row_of", "store_cube"]

_TUPLE_ELEMENTS: dict[str, tuple[int, ...]] = {"answered_within": SERVICE_LEVEL_BOUNDS_S}
_SUB_DAY = frozenset({Grain.QUARTER_HOUR, Grain.HOUR})


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    key: type[Any]
    counters: type[Any]

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.key) if f.name != "start")


FAMILIES: dict[str, Family] = {
    "calls": Family("calls", CallKey, CallCounters),
    "ivr": Family("ivr", IvrKey, IvrCounters),
    "outbound": Family("outbound", OutboundKey, OutboundCounters),
    "agent_time": Family("agent_time", AgentKey, AgentTimeCounters),
}


def counter_columns(counters: type[Any]) -> tuple[str, ...]:
    """The table's counter columns for a counters class (a tuple field is a column per element)."""
    out: list[str] = []
    for f in fields(counters):
        if f.name in _TUPLE_ELEMENTS:
            out += [f"{f.name}_{b}" for b in _TUPLE_ELEMENTS[f.name]]
        else:
            out.append(f.name)
    return tuple(out)


def row_of(key: Any, counters: Any) -> dict[str, Any]:
    row: dict[str, Any] = {f.name: getattr(key, f.name) for f in fields(key)}
    for f in fields(counters):
        value = getattr(counters, f.name)
        if f.name in _TUPLE_ELEMENTS:
            row.update({f"{f.name}_{b}": v for b, v in zip(_TUPLE_ELEMENTS[f.name], value, strict=True)})
        else:
            row[f.name] = value
    return row


def counters_from_row(counters: type[Any], row: Mapping[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for f in fields(counters):
        if f.name in _TUPLE_ELEMENTS:
            values[f.name] = tuple(int(row[f"{f.name}_{b}"]) for b in _TUPLE_ELEMENTS[f.name])
        else:
            values[f.name] = int(row[f.name])
    return counters(**values)


async def store_cube(db: AsyncSession, family: str, cube: Mapping[Any, Any]) -> None:
    """Add a 15-minute cube of ``family`` to its 15-minute and day tables (caller commits)."""
    if not cube:
        return
    for grain, table in (("15min", cube_table(family, "15min")), ("day", cube_table(family, "day"))):
        rows = cube if grain == "15min" else roll_up(cube, Grain.DAY)
        await upsert_counters(db, table, [row_of(k, c) for k, c in sorted(rows.items())])


def table_for(family: str, period: Period, by: Sequence[str], grain: Grain) -> CubeTable:
    fine = period.grain in _SUB_DAY or (INTERVAL in by and grain in _SUB_DAY)
    return cube_table(family, "15min" if fine else "day")


async def read_cube(
    db: AsyncSession,
    family: str,
    period: Period,
    scope: str,
    by: Sequence[str],
    grain: Grain = Grain.DAY,
    where: Mapping[str, str] | None = None,
) -> dict[Any, Any]:
    """The cube of ``family`` for ``period`` and ``scope``, grouped by ``by`` in the database."""
    fam = FAMILIES[family]
    table = table_for(family, period, by, grain)
    t = table.table.c
    kept = [d for d in fam.dims if d in by]
    columns = counter_columns(fam.counters)
    sums = [(func.max(t[c]) if c in table.maxima else func.sum(t[c])).label(c) for c in columns]
    group = ([t.start] if INTERVAL in by else []) + [t[d] for d in kept]
    stmt = select(*group, *sums).where(t.start >= period.start, t.start < period.end)
    if scope != ALL:
        stmt = stmt.where(t.prefecture == scope)
    for name, value in (where or {}).items():
        stmt = stmt.where(t[name] == value)
    if group:
        stmt = stmt.group_by(*group)
    out: dict[Any, Any] = {}
    for row in (await db.execute(stmt)).mappings():
        if row[columns[0]] is None:  # an aggregate over no rows
            continue
        start: datetime = row["start"].astimezone(SHANGHAI) if INTERVAL in by else period.start
        dims = {d: (row[d] if d in kept else ALL) for d in fam.dims}
        if scope != ALL:
            dims["prefecture"] = scope
        key = fam.key(start=start, **dims)
        out[key] = counters_from_row(fam.counters, dict(row))
    return out
