"""Writing finished calls and agent state spans, with the pre-aggregates, buffered against a
database that is briefly away.

:meth:`RecordWriter.submit` only appends to a buffer; :meth:`RecordWriter.run` writes the buffer
in batches (:class:`storage.write_behind.WriteBehind`), each batch one transaction: the raw rows
(``INSERT … ON CONFLICT DO NOTHING``) and, for the rows actually inserted, their contributions to
the cubes.  So:

* a failed write (database down, a lost connection) is rolled back, kept, logged and retried
  with a growing pause (up to ``retry_max_s``): never lost silently;
* a write retried after a commit whose answer was lost finds its rows already there and adds
  nothing: never counted twice;
* what is still buffered when the node stops is written once more, and whatever cannot be is
  logged call by call (``reports.unwritten``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.agent_time import AgentKey, AgentStateSpan, AgentTimeCounters, add_state_span
from reports.call_assembly import FinishedCall
from reports.call_rows import rows_of
from reports.cube import Cube
from reports.cube_store import store_cube
from reports.dialling import OutboundCounters, OutboundKey, add_outbound_call
from reports.intervals import CallCounters, CallKey, add_call
from reports.ivr_nodes import IvrCounters, IvrKey, add_ivr_call
from storage.call_records import insert_call, insert_state_span
from storage.write_behind import WriteBehind

__all__ = ["RecordWriter", "WriterMetrics"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WriterMetrics:
    written: Counter
    duplicates: Counter
    failures: Counter
    buffered: Gauge

    @classmethod
    def on(cls, registry: CollectorRegistry) -> WriterMetrics:
        return cls(
            Counter(
                "hotline_report_records_written", "call records and state spans written", registry=registry
            ),
            Counter(
                "hotline_report_records_duplicate", "writes found already done (retried)", registry=registry
            ),
            Counter("hotline_report_write_failures", "failed batch writes (retried)", registry=registry),
            Gauge("hotline_report_records_buffered", "records waiting to be written", registry=registry),
        )


Item = FinishedCall | AgentStateSpan


class RecordWriter(WriteBehind[Item]):
    what = "report records"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        metrics: WriterMetrics,
        *,
        batch_size: int = 200,
        flush_every_s: float = 1.0,
        retry_max_s: float = 30.0,
    ) -> None:
        super().__init__(
            sessions, batch_size=batch_size, flush_every_s=flush_every_s, retry_max_s=retry_max_s
        )
        self.metrics = metrics

    def _buffered(self, count: int) -> None:
        self.metrics.buffered.set(count)

    def _failed(self) -> None:
        self.metrics.failures.inc()

    async def close(self) -> None:
        """Write what is left; log (never drop silently) whatever cannot be written."""
        try:
            await self.flush()
        except Exception as exc:
            for item in self.pending():
                if isinstance(item, FinishedCall):
                    log.error(
                        "reports.unwritten call",
                        uniqueid=item.record.call_id,
                        linkedid=item.record.call_id,
                        error=str(exc),
                    )
                else:
                    log.error(
                        "reports.unwritten state span",
                        agent=item.agent,
                        start=item.start.isoformat(),
                        error=str(exc),
                    )

    async def _write(self, batch: list[Item]) -> int:
        calls: Cube[CallKey, CallCounters] = {}
        ivr: Cube[IvrKey, IvrCounters] = {}
        outbound: Cube[OutboundKey, OutboundCounters] = {}
        agent_time: Cube[AgentKey, AgentTimeCounters] = {}
        now = datetime.now(UTC)
        inserted = 0
        async with self.sessions() as db:
            for item in batch:
                if isinstance(item, FinishedCall):
                    rows = rows_of(item.record, item.cdr, now)
                    if not await insert_call(db, rows.call, rows.legs, rows.ivr_nodes):
                        self.metrics.duplicates.inc()
                        continue
                    add_call(calls, item.record)
                    add_ivr_call(ivr, item.record)
                    add_outbound_call(outbound, item.record)
                else:
                    fresh = await insert_state_span(
                        db,
                        agent=item.agent,
                        prefecture=item.prefecture,
                        state=str(item.state),
                        start=item.start,
                        end=item.end,
                    )
                    if not fresh:
                        self.metrics.duplicates.inc()
                        continue
                    add_state_span(agent_time, item)
                inserted += 1
            for family, cube in (
                ("calls", calls),
                ("ivr", ivr),
                ("outbound", outbound),
                ("agent_time", agent_time),
            ):
                await store_cube(db, family, cube)
            await db.commit()
        self.metrics.written.inc(inserted)
        for item in batch:
            if isinstance(item, FinishedCall):
                r = item.record
                log.info(
                    "call record written", uniqueid=r.call_id, linkedid=r.call_id, outcome=str(r.outcome)
                )
        return inserted
