"""The pre-aggregates in the database: maintained as calls end (the writer), equal to a rebuild
from the raw rows (SQL GROUP BY) and to the core's recomputation, on SQLite and PostgreSQL; a
failed write is retried and never counted twice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reports.agent_time import build_agent_time_cube
from reports.call_assembly import FinishedCall
from reports.call_rows import CdrFacts, record_from_rows
from reports.cube import roll_up
from reports.cube_store import FAMILIES, counter_columns, counters_from_row
from reports.dialling import build_outbound_cube
from reports.intervals import build_call_cube
from reports.ivr_nodes import build_ivr_cube
from reports.periods import Grain
from reports.rebuild import rebuild
from reports.record_writer import RecordWriter, WriterMetrics
from reports.records import CallRecord
from storage.call_records import CALL_LEGS, CALL_RECORDS
from storage.report_cubes import CUBES
from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401

from .simulated_day import DAY, records, state_spans


async def _cube(db: AsyncSession, family: str, grain: str) -> dict[Any, Any]:
    fam = FAMILIES[family]
    table = CUBES[family][grain]
    out = {}
    for row in (await db.execute(select(table.table))).mappings():
        key = fam.key(**{k: row[k] for k in table.keys})
        counters = counters_from_row(fam.counters, dict(row))
        if counters != fam.counters():
            out[key] = counters
    return out


def _normal(cube: Mapping[Any, Any]) -> dict[tuple[Any, ...], Any]:
    """Keys as comparable tuples (instants, whatever their zone), zero buckets left out."""
    return {
        tuple(getattr(k, f) for f in k.__dataclass_fields__): v for k, v in cube.items() if v != type(v)()
    }


def _writer(sessions: async_sessionmaker[AsyncSession], batch: int = 97) -> RecordWriter:
    return RecordWriter(sessions, WriterMetrics.on(CollectorRegistry()), batch_size=batch)


def test_the_tables_hold_every_counter() -> None:
    for name, fam in FAMILIES.items():
        for table in CUBES[name].values():
            assert table.counters == counter_columns(fam.counters)
            assert table.keys == ("start", *fam.dims)


@pytest.mark.slow
async def test_a_simulated_day_live_equals_rebuild_equals_recomputation(
    db_sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    calls, spans = records(), state_spans()
    writer = _writer(db_sessions)
    for record in calls:
        writer.submit(FinishedCall(record, CdrFacts()))
    for span in spans:
        writer.submit(span)
    assert await writer.flush() == len(calls) + len(spans)

    expected = {
        "calls": build_call_cube(calls),
        "ivr": build_ivr_cube(calls),
        "outbound": build_outbound_cube(calls),
        "agent_time": build_agent_time_cube(spans),
    }
    async with db_sessions() as db:
        live = {(f, g): await _cube(db, f, g) for f in CUBES for g in ("15min", "day")}
        # the raw rows read back are the records written
        rows = (await db.execute(select(CALL_RECORDS))).mappings().all()
        legs = (await db.execute(select(CALL_LEGS))).mappings().all()
    by_call: dict[str, list[Any]] = {}
    for leg in legs:
        by_call.setdefault(leg["call_id"], []).append(dict(leg))
    back = {r["call_id"]: record_from_rows(dict(r), by_call.get(r["call_id"], [])) for r in rows}
    assert back == {r.call_id: r for r in calls}

    for family, cube in expected.items():
        assert _normal(live[(family, "15min")]) == _normal(cube), family
        assert _normal(live[(family, "day")]) == _normal(roll_up(cube, Grain.DAY)), family

    # the day after the simulated one catches the state spans that run past midnight
    assert await rebuild(db_sessions, DAY, DAY + timedelta(days=2)) == len(calls)
    async with db_sessions() as db:
        for family in CUBES:
            for grain in ("15min", "day"):
                assert _normal(await _cube(db, family, grain)) == _normal(live[(family, grain)]), (
                    family,
                    grain,
                )


async def test_a_failed_write_is_kept_retried_and_not_counted_twice(
    db_sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    calls = records(seed=3, inbound=40, outbound=5)
    writer = _writer(db_sessions, batch=1000)
    broken = True
    real = db_sessions

    def sessions() -> AsyncSession:
        if broken:
            raise ConnectionError("database away")
        return real()

    writer.sessions = sessions  # type: ignore[assignment]
    for record in calls:
        writer.submit(FinishedCall(record, CdrFacts()))
    with pytest.raises(ConnectionError):
        await writer.flush()
    assert len(writer) == len(calls)  # kept
    broken = False
    assert await writer.flush() == len(calls)
    # the same calls again (a retry after a commit whose answer was lost): nothing is added
    for record in calls:
        writer.submit(FinishedCall(record, CdrFacts()))
    assert await writer.flush() == 0
    async with db_sessions() as db:
        count = (await db.execute(select(func.count()).select_from(CALL_RECORDS))).scalar_one()
        cube = await _cube(db, "calls", "day")
    assert count == len(calls)
    assert sum(c.offered for c in cube.values()) == sum(1 for r in calls if r.direction == "inbound")


async def test_batches_of_any_size_add_to_the_cubes_with_the_same_statements(
    db_engine: AsyncEngine,  # noqa: F811
    db_sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    """A cube's rows go in one single-row upsert executed per row: a multi-row VALUES list was a
    new statement per number of rows, each one prepared again in every pooled connection (the
    500-call soak's node walk saw the cube inserts grow with the batches)."""
    seen: list[str] = []

    def capture(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CUBE_"):
            seen.append(statement)

    calls = records(seed=4, inbound=66, outbound=8)

    async def statements_of(batch: list[CallRecord]) -> set[str]:
        writer = _writer(db_sessions, batch=1000)
        for record in batch:
            writer.submit(FinishedCall(record, CdrFacts()))
        seen.clear()
        assert await writer.flush() == len(batch)
        return set(seen)

    event.listen(db_engine.sync_engine, "before_cursor_execute", capture)
    try:
        small = await statements_of(calls[:6] + calls[66:70])
        large = await statements_of(calls[6:66] + calls[70:])
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", capture)
    assert small and small == large
    async with db_sessions() as db:
        cube = await _cube(db, "calls", "day")
    assert sum(c.offered for c in cube.values()) == 66
