"""The scheduled job writes each closed period's reports once: a workbook (a sheet per report) and
a CSV per report, under <export_dir>/<grain>/<code>/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.call_assembly import FinishedCall
from reports.call_rows import CdrFacts
from reports.periods import SHANGHAI
from reports.record_writer import RecordWriter, WriterMetrics
from reports.schedule import ExportSchedule
from reports.settings import ReportSettings
from storage.prefectures import PREFECTURES
from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401

from .dataset import calls


async def test_closed_periods_are_written_once(
    db_sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    tmp_path: Path,
) -> None:
    writer = RecordWriter(db_sessions, WriterMetrics.on(CollectorRegistry()))
    for record in calls():
        writer.submit(FinishedCall(record, CdrFacts()))
    await writer.flush()
    settings = ReportSettings(export_dir=tmp_path / "out", export_grains=["day", "month"])
    job = ExportSchedule(settings, db_sessions, prefectures=tuple(p.code for p in PREFECTURES))
    written = await job.write_closed(datetime(2024, 3, 2, 9, tzinfo=SHANGHAI))
    day = tmp_path / "out" / "day" / "2024-03-01"
    assert sorted(p.name for p in day.iterdir()) == sorted(
        ["报表-2024-03-01.xlsx", *(f"{n}-2024-03-01.csv" for n in settings.export_reports)]
    )
    book = load_workbook(day / "报表-2024-03-01.xlsx")
    assert book.sheetnames[0] == "话务量统计表" and len(book.sheetnames) == 5
    sheet = book["话务量统计表"]
    header = [c.value for c in sheet[1]]
    total = [c.value for c in sheet[len(PREFECTURES) + 2]]
    assert total[0] == "全省" and total[header.index("呼入量")] == 10  # Lanzhou's 8 and Tianshui's 2
    assert (tmp_path / "out" / "month" / "2024-02").is_dir()
    assert len(written) == 12
    assert await job.write_closed(datetime(2024, 3, 2, 10, tzinfo=SHANGHAI)) == []  # not again
