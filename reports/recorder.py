"""The reports part of a running node: call records written as calls end, and the ticket facts.

:func:`running_reports` (entered by the composition root, :mod:`node.root`, when
``Parts.reports``) listens to the AMI client's state changes and the ACD's events, puts calls
together (:mod:`reports.call_assembly`), and writes them with their pre-aggregates
(:mod:`reports.record_writer`); it also classifies new complaints as repeats
(:mod:`reports.ticket_facts`) and, when ``[reports] export_dir`` is set, writes each closed
period's reports to that folder (:mod:`reports.schedule`).  Every AMI change and ACD event is
stamped with the one clock the ACD runs on (simulated time in the demo and the benchmarks).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import structlog
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.clock import Clock, SystemClock
from acd.events import AcdEvent
from cti.ami.client import AmiClient
from reports.call_assembly import CallAssembly
from reports.record_writer import RecordWriter, WriterMetrics
from reports.schedule import ExportSchedule
from reports.settings import ReportSettings
from reports.ticket_facts import RepeatClassifier

__all__ = ["RunningReports", "running_reports"]

log = structlog.get_logger(__name__)

Subscribe = Callable[[Callable[[AcdEvent], None]], Callable[[], None]]


@dataclass
class RunningReports:
    assembly: CallAssembly
    writer: RecordWriter
    classifier: RepeatClassifier
    schedule: ExportSchedule | None
    clock: Clock

    def take_finished(self, *, force: bool = False) -> int:
        """Hand the finished calls and state spans to the writer; how many calls."""
        calls = self.assembly.finished(self.clock.now(), force=force)
        for call in calls:
            self.writer.submit(call)
        spans, self.assembly.spans = self.assembly.spans, []
        for span in spans:
            self.writer.submit(span)
        return len(calls)

    async def flush(self) -> None:
        """Finish and write what is over now (tests, the demo's end)."""
        self.take_finished()
        await self.writer.flush()


async def _watch(ami: AmiClient, assembly: CallAssembly, clock: Clock) -> None:
    async with ami.changes() as changes:
        async for change in changes:
            try:
                assembly.on_change(change, clock.now())
            except Exception:  # one strange event must not stop the records of every other call
                log.exception("call record: change not understood", change=type(change).__name__)


async def _finish_loop(reports: RunningReports, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        reports.take_finished()


@contextlib.asynccontextmanager
async def running_reports(
    settings: ReportSettings,
    sessions: async_sessionmaker[AsyncSession],
    ami: AmiClient,
    *,
    subscribe: Subscribe | None,
    clock: Clock | None = None,
    registry: CollectorRegistry | None = None,
    default_prefecture: str,
    prefectures: tuple[str, ...],
) -> AsyncIterator[RunningReports]:
    clock = clock or SystemClock()
    assembly = CallAssembly(
        default_prefecture=default_prefecture, settle_s=settings.settle_s, cdr_grace_s=settings.cdr_grace_s
    )
    writer = RecordWriter(
        sessions,
        WriterMetrics.on(registry or CollectorRegistry()),
        batch_size=settings.batch_size,
        flush_every_s=settings.flush_every_s,
        retry_max_s=settings.retry_max_s,
    )
    classifier = RepeatClassifier(sessions, window_days=settings.repeat_window_days)
    schedule = None
    if settings.export_dir is not None:
        schedule = ExportSchedule(settings, sessions, prefectures=prefectures)
    reports = RunningReports(assembly, writer, classifier, schedule, clock)
    tasks: list[asyncio.Task[None]] = []
    unsubscribe: Callable[[], None] | None = None

    def on_acd(event: AcdEvent) -> None:
        try:
            assembly.on_acd(event)
        except Exception:
            log.exception("call record: ACD event not understood", event=type(event).__name__)

    if settings.record_calls:
        if subscribe is not None:
            unsubscribe = subscribe(on_acd)
        tasks += [
            asyncio.create_task(_watch(ami, assembly, clock), name="reports: AMI changes"),
            asyncio.create_task(
                _finish_loop(reports, settings.flush_every_s), name="reports: finished calls"
            ),
            asyncio.create_task(writer.run(), name="reports: writer"),
        ]
    tasks.append(asyncio.create_task(classifier.run(settings.classify_every_s), name="reports: repeats"))
    if schedule is not None:
        tasks.append(asyncio.create_task(schedule.run(), name="reports: scheduled export"))
    try:
        yield reports
    finally:
        if unsubscribe is not None:
            unsubscribe()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if settings.record_calls:
            reports.take_finished()
            await writer.close()
