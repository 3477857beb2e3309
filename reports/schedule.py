"""The scheduled job: each closed period's reports written to a folder (``[reports] export_dir``).

Every ``export_check_every_s`` the job looks at the last closed period of each grain of
``export_grains`` (yesterday, last week, last month, last quarter, last year) and writes what is
missing: ``<export_dir>/<grain>/<code>/报表-<code>.xlsx`` (one sheet per report of
``export_reports``, the province with every prefecture as a row) and one CSV per report.
Files are written to a temporary name and renamed, so a reader never sees half a file; a
period already written is not written again (delete its folder to have it redone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.cube import ALL
from reports.library import ReportLibrary, ReportRequest
from reports.periods import Grain, Period
from reports.settings import ReportSettings

__all__ = ["ExportSchedule"]

log = structlog.get_logger(__name__)


class ExportSchedule:
    def __init__(
        self,
        settings: ReportSettings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        prefectures: Sequence[str],
        library: ReportLibrary | None = None,
    ) -> None:
        if settings.export_dir is None:
            raise ValueError("the scheduled export needs [reports] export_dir")
        self.folder = settings.export_dir
        self.names = tuple(settings.export_reports)
        self.grains = tuple(Grain(g) for g in settings.export_grains)
        self.formats = tuple(settings.export_formats)
        self.every_s = settings.export_check_every_s
        self.library = library or ReportLibrary(
            sessions, prefectures, service_level_s=settings.service_level_s
        )
        self.written: list[Path] = []

    async def run(self) -> None:
        while True:
            try:
                await self.write_closed(datetime.now(UTC))
            except Exception as exc:  # the database is away: try again next round
                log.warning("scheduled reports not written, will retry", error=str(exc))
            await asyncio.sleep(self.every_s)

    async def write_closed(self, now: datetime) -> list[Path]:
        """Write the last closed period of each grain, where not written yet; the files written."""
        done: list[Path] = []
        for grain in self.grains:
            period = Period.containing(grain, now).previous()
            done += await self.write_period(period)
        return done

    async def write_period(self, period: Period) -> list[Path]:
        folder = self.folder / str(period.grain) / period.code
        if folder.is_dir():
            return []
        requests = [ReportRequest(name, period, ALL) for name in self.names]
        files: dict[str, bytes] = {}
        if "xlsx" in self.formats:
            files[f"报表-{period.code}.xlsx"] = (await self.library.export(requests, "xlsx")).body
        for fmt in ("csv", "json"):
            if fmt in self.formats:
                for req in requests:
                    files[f"{req.name}-{period.code}.{fmt}"] = (await self.library.export([req], fmt)).body
        staging = folder.with_name(folder.name + ".partial")
        staging.mkdir(parents=True, exist_ok=True)
        for name, body in files.items():
            (staging / name).write_bytes(body)
        staging.rename(folder)
        written = [folder / name for name in files]
        self.written += written
        log.info("scheduled reports written", period=period.code, folder=str(folder), files=len(written))
        return written
