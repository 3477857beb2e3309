"""The IVR's own rows (its call record opened and closed, the tickets it opens) kept while the
database is away and written, in order and once, when it returns.

Each row is numbered by the node before it is written, from ids reserved ahead from the table's
sequence (:class:`storage.id_blocks.IdBlock`): so the caller hears a real ticket number even with
the database away, a ticket can point at a call record not yet written, and a write repeated after
a commit whose answer was lost finds its row by that id and adds nothing.

:meth:`IvrRowWriter.keep` never waits for the database: the row goes behind the rows already
waiting (:class:`storage.write_behind.WriteBehind`: bounded by ``max_buffered``) and the writer's
loop writes them in batches, one transaction each, every ``flush_every_s`` (0.1 s) or as soon as
a batch is full, retrying with a growing pause while the database is away. So a caller never hears
dead air while a commit is waited for (at 1,000 concurrent calls the pool's connections would be
queued for), and the rows of many calls share one commit. Rows still waiting when the node stops
are written once more, and what cannot be is logged row by row (``ivr.row_unwritten``). Without
reserved ids (SQLite, or the block used up while the database is away) the IVR writes as before,
waiting for the commit (tried again for up to 10 s while SQLite is locked:
:func:`storage.db.retry_locked`), and a failure is logged and lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import dialect_of
from storage.id_blocks import IdBlock
from storage.id_chunks import id_chunks, ids_in
from storage.ivr_records import IvrOutcome, IvrSession, IvrStep
from storage.tickets import NewTicket, Ticket, open_ticket
from storage.write_behind import WriteBehind

__all__ = [
    "CloseRecord",
    "IvrRowWriter",
    "Known",
    "OpenRecord",
    "OpenTicket",
    "PendingRow",
    "RowsNotKept",
    "StepRow",
    "running_row_writer",
]

log = structlog.get_logger(__name__)


class RowsNotKept(OSError):
    """The database is away and the buffer is full: the row is neither written nor kept."""


class Known:
    """What a batch's rows find already in the database, read with one query per table before
    any row is added (instead of a look-up per row), and kept up to date as rows are added."""

    def __init__(self) -> None:
        self.sessions: dict[int, IvrSession] = {}
        self.sessions_with_steps: set[int] = set()
        self.tickets: set[int] = set()
        self.steps: list[dict[str, object]] = []  # the steps to insert, written by write_steps

    @classmethod
    async def read(cls, db: AsyncSession, batch: Sequence[PendingRow]) -> Known:
        """The look-ups go in a few statement shapes whatever the batch's size (storage/id_chunks.py):
        an ``IN`` list of each batch's length was a new prepared statement per length."""
        known = cls()
        dialect = dialect_of(db)
        session_ids = sorted({r.id for r in batch if isinstance(r, OpenRecord | CloseRecord)})
        closing = sorted({r.id for r in batch if isinstance(r, CloseRecord)})
        ticket_ids = sorted({r.id for r in batch if isinstance(r, OpenTicket)})
        for chunk in id_chunks(session_ids, dialect):
            found = await db.execute(select(IvrSession).where(ids_in(IvrSession.id, chunk, dialect)))
            known.sessions.update((row.id, row) for row in found.scalars())
        for chunk in id_chunks(closing, dialect):
            stepped = await db.execute(
                select(IvrStep.session_id).where(ids_in(IvrStep.session_id, chunk, dialect)).distinct()
            )
            known.sessions_with_steps.update(stepped.scalars())
        for chunk in id_chunks(ticket_ids, dialect):
            found_ids = await db.execute(select(Ticket.id).where(ids_in(Ticket.id, chunk, dialect)))
            known.tickets.update(found_ids.scalars())
        return known

    async def write_steps(self, db: AsyncSession) -> None:
        """Insert the steps the rows added, after the rows they point at: one executemany of one
        statement (through the ORM's flush they were one multi-row ``INSERT … RETURNING`` per
        batch, a new prepared statement per number of steps, filling every pooled connection's
        statement cache with statements of hundreds of parameters)."""
        if not self.steps:
            return
        await db.flush()
        await db.execute(insert(IvrStep.metadata.tables[IvrStep.__tablename__]), self.steps)
        self.steps = []


class PendingRow(Protocol):
    def describe(self) -> dict[str, object]: ...

    async def apply(self, db: AsyncSession, known: Known) -> bool:
        """Add the row to ``db`` (the writer flushes and commits the batch's rows together);
        False when it is already there."""
        ...


@dataclass(frozen=True)
class OpenRecord:
    id: int
    uniqueid: str
    channel: str
    caller_number: str
    prefecture: str
    segment: str
    language: str
    menu: str
    started_at: datetime

    def describe(self) -> dict[str, object]:
        return {"row": "ivr_session", "id": self.id, "uniqueid": self.uniqueid}

    async def apply(self, db: AsyncSession, known: Known) -> bool:
        if self.id in known.sessions:
            return False
        row = IvrSession(
            id=self.id,
            uniqueid=self.uniqueid,
            channel=self.channel,
            caller_number=self.caller_number,
            prefecture=self.prefecture,
            segment=self.segment,
            language=self.language,
            menu=self.menu,
            started_at=self.started_at,
        )
        db.add(row)
        known.sessions[self.id] = row
        return True


@dataclass(frozen=True)
class StepRow:
    seq: int
    node: str
    node_type: str
    keys: str
    result: str
    entered_at: datetime
    left_at: datetime
    duration_ms: int


@dataclass(frozen=True)
class CloseRecord:
    id: int
    ended_at: datetime
    outcome: IvrOutcome
    path: str
    skill: str | None
    customer_id: int | None
    prefecture: str
    segment: str
    language: str
    ticket_id: int | None
    steps: tuple[StepRow, ...] = field(default=())

    def describe(self) -> dict[str, object]:
        return {"row": "ivr_session_end", "id": self.id, "outcome": self.outcome.value, "path": self.path}

    async def apply(self, db: AsyncSession, known: Known) -> bool:
        row = known.sessions.get(self.id)
        if row is None:
            log.error("ivr.record_missing", **self.describe())  # its opening was never kept
            return False
        if row.ended_at is not None or self.id in known.sessions_with_steps:
            return False
        row.ended_at = self.ended_at
        row.outcome = self.outcome
        row.path = self.path
        row.skill = self.skill
        row.customer_id = self.customer_id
        row.prefecture = self.prefecture
        row.segment = self.segment
        row.language = self.language
        row.ticket_id = self.ticket_id
        known.steps.extend(
            {
                "session_id": self.id,
                "seq": s.seq,
                "node": s.node,
                "node_type": s.node_type,
                "keys": s.keys,
                "result": s.result,
                "entered_at": s.entered_at,
                "left_at": s.left_at,
                "duration_ms": s.duration_ms,
            }
            for s in self.steps
        )
        known.sessions_with_steps.add(self.id)
        return True


@dataclass(frozen=True)
class OpenTicket:
    id: int
    new: NewTicket
    at: datetime

    def describe(self) -> dict[str, object]:
        return {"row": "ticket", "id": self.id, "kind": self.new.kind.value, "caller": self.new.caller_number}

    async def apply(self, db: AsyncSession, known: Known) -> bool:
        if self.id in known.tickets:
            return False
        await open_ticket(db, self.new, self.at, ticket_id=self.id)
        known.tickets.add(self.id)
        return True


def _never_better(exc: BaseException) -> bool:
    """Errors a retry cannot mend (the row itself is wrong): logged and dropped, not retried."""
    return isinstance(exc, IntegrityError | DataError | ProgrammingError)


class IvrRowWriter(WriteBehind[PendingRow]):
    what = "IVR rows"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        id_block: int = 500,
        max_buffered: int = 20_000,
        flush_every_s: float = 0.1,
        retry_max_s: float = 5.0,
    ) -> None:
        super().__init__(
            sessions,
            batch_size=100,
            flush_every_s=flush_every_s,
            retry_max_s=retry_max_s,
            max_buffered=max_buffered,
        )
        self.session_ids = IdBlock("ivr_sessions", id_block)
        self.ticket_ids = IdBlock("tickets", id_block)
        self.duplicates = 0  # rows given again that were already written
        self.refused = 0  # rows the database refused (logged as ivr.row_refused, not kept)

    async def top_up(self) -> None:
        """Reserve ids ahead (raises when the database is away)."""
        async with self.sessions() as db:
            for block in (self.session_ids, self.ticket_ids):
                await block.top_up(db)

    async def flush(self) -> int:
        written = await super().flush()
        if self.session_ids.low or self.ticket_ids.low:
            await self.top_up()
        return written

    def keep(self, row: PendingRow) -> None:
        """Keep ``row`` to be written behind the rows waiting, without waiting for the database;
        raises :class:`RowsNotKept` when the buffer is full (the database away too long)."""
        if not self.submit(row):
            raise RowsNotKept(f"database away and {len(self)} IVR rows already waiting")

    async def close(self) -> None:
        """Write what is left; log (never drop silently) whatever cannot be written."""
        try:
            await self.flush()
        except Exception as exc:
            for row in self.pending():
                log.error("ivr.row_unwritten", error=str(exc), **row.describe())

    async def _write(self, batch: list[PendingRow]) -> int:
        try:
            return await self._write_together(batch)
        except (IntegrityError, DataError, ProgrammingError):
            pass
        # one row the database refuses must not hold up the others: each in its own transaction
        added = 0
        for row in batch:
            try:
                added += await self._write_together([row])
            except (SQLAlchemyError, OSError) as exc:
                if not _never_better(exc):
                    raise  # the database went away: the batch is kept; rows written add nothing again
                self.refused += 1
                log.error("ivr.row_refused", error=repr(exc), **row.describe())
        return added

    async def _write_together(self, batch: list[PendingRow]) -> int:
        added = 0
        async with self.sessions() as db:
            known = await Known.read(db, batch)
            for row in batch:
                added += await row.apply(db, known)
            await known.write_steps(db)
            await db.commit()  # the batch's rows flushed together: one statement per table and kind
        self.duplicates += len(batch) - added
        return added


@contextlib.asynccontextmanager
async def running_row_writer(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[IvrRowWriter]:
    """An :class:`IvrRowWriter` with its ids reserved (if the database is there) and its retry
    loop running; what is still waiting at the end is written once more or logged."""
    writer = IvrRowWriter(sessions)
    try:
        await writer.top_up()
    except (SQLAlchemyError, OSError) as exc:  # reserved later, by the loop, once the database is back
        log.warning("ivr.ids_not_reserved", error=repr(exc))
    task = asyncio.create_task(writer.run(), name="ivr rows")
    try:
        yield writer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await writer.close()
