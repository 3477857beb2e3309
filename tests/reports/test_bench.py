"""``hotline bench reports`` on a few thousand rows: the JSON's shape, and the province's yearly
traffic report from the SQL-built pre-aggregates equals the core's computation from the raw rows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bench.reports import CENTRES, YEAR, Scale, run
from cli.main import main
from reports.call_rows import record_from_rows
from reports.cube import ALL
from reports.intervals import build_call_cube
from reports.kpis.traffic import traffic_report
from reports.library import ReportLibrary, ReportRequest
from reports.periods import SHANGHAI, Grain, Period
from storage.call_records import CALL_LEGS, CALL_RECORDS
from storage.db import create_engine_from_settings, session_factory
from storage.settings import StorageSettings
from tests.support.databases import postgres_database  # noqa: F401

pytestmark = pytest.mark.postgres


async def test_a_small_bench_equals_a_direct_computation(postgres_database: str) -> None:  # noqa: F811
    result = await run(postgres_database, Scale(rows=3000, repeat=1), keep=True)
    assert result["rows"] == 3000 and result["backend"] == "postgresql"
    assert result["centres"] == 15
    for key in ("monthly_s", "yearly_s", "generate_s", "aggregate_s"):
        assert isinstance(result[key], float) and result[key] >= 0
    engine = create_engine_from_settings(StorageSettings(url=postgres_database))
    try:
        sessions = session_factory(engine)
        async with sessions() as db:
            calls = (await db.execute(select(CALL_RECORDS))).mappings().all()
            legs = (await db.execute(select(CALL_LEGS))).mappings().all()
        by_call: dict[str, list[Any]] = {}
        for leg in legs:
            by_call.setdefault(leg["call_id"], []).append(dict(leg))
        records = [record_from_rows(dict(c), by_call.get(c["call_id"], [])) for c in calls]
        year = Period(Grain.YEAR, datetime(YEAR, 1, 1, tzinfo=SHANGHAI))
        direct = traffic_report(build_call_cube(records), year, ALL, prefectures=CENTRES)
        served = await ReportLibrary(sessions, CENTRES).report(ReportRequest("traffic", year, ALL))
        assert served.rows == direct.rows
        assert served.row(prefecture=ALL)["offered"] == 3000 == result["yearly_offered"]
        march = Period(Grain.MONTH, datetime(YEAR, 3, 1, tzinfo=SHANGHAI))
        in_march = [r for r in records if march.start <= r.arrived_at < march.end]
        assert result["monthly_offered"] == len(in_march) > 0
    finally:
        await engine.dispose()


def test_the_command_writes_the_json(postgres_database: str, tmp_path: Any) -> None:  # noqa: F811
    out = tmp_path / "bench.json"
    assert (
        main(
            [
                "bench",
                "reports",
                "--rows",
                "1500",
                "--repeat",
                "1",
                "--url",
                postgres_database,
                "--json",
                str(out),
            ]
        )
        == 0
    )
    data = json.loads(out.read_text())
    assert {"rows", "monthly_s", "yearly_s", "backend"} <= set(data)
    assert data["rows"] == 1500 and data["backend"] == "postgresql"
