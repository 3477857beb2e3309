"""A bounded, ordered write-behind buffer against a database that is briefly away.

:meth:`WriteBehind.submit` only appends to a buffer (refusing, and saying so, once it holds
``max_buffered`` items); :meth:`WriteBehind.run` writes the buffer in order, in batches, each
batch one transaction (:meth:`WriteBehind._write`, given by the subclass). A failed batch is
rolled back, kept and retried with a growing pause (up to ``retry_max_s``), so nothing is lost
silently and nothing overtakes what was submitted before it. The subclass's writes must be
idempotent (a client-chosen key, ``ON CONFLICT DO NOTHING``, a look-up first), because a batch
whose commit reached the database before the answer was lost is written again.

Used by the call records (:class:`reports.record_writer.RecordWriter`) and the IVR's own rows
(:class:`ivr.row_writer.IvrRowWriter`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Generic, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["WriteBehind"]

log = structlog.get_logger(__name__)

T = TypeVar("T")


class WriteBehind(Generic[T]):
    what = "rows"  # for the log lines

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        batch_size: int = 200,
        flush_every_s: float = 1.0,
        retry_max_s: float = 30.0,
        max_buffered: int | None = None,
    ) -> None:
        self.sessions = sessions
        self.batch_size = batch_size
        self.flush_every_s = flush_every_s
        self.retry_max_s = retry_max_s
        self.max_buffered = max_buffered
        self._buffer: deque[T] = deque()
        self._wake = asyncio.Event()
        self.written = asyncio.Event()  # set after each batch is committed (tests, progress)

    def __len__(self) -> int:
        return len(self._buffer)

    @property
    def full(self) -> bool:
        return self.max_buffered is not None and len(self._buffer) >= self.max_buffered

    def submit(self, item: T) -> bool:
        """Buffer ``item``; False (nothing buffered) when the buffer is full."""
        if self.full:
            return False
        self._buffer.append(item)
        self._buffered(len(self._buffer))
        if len(self._buffer) >= self.batch_size:
            self._wake.set()
        return True

    async def run(self) -> None:
        """Write the buffer until cancelled, retrying failed batches."""
        pause = self.flush_every_s
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            self._wake.clear()
            try:
                await self.flush()
                pause = self.flush_every_s
            except Exception as exc:  # the database is away: keep everything, try again later
                self._failed()
                pause = min(max(pause * 2, 0.5), self.retry_max_s)
                log.warning(
                    f"{self.what} not written, will retry",
                    error=str(exc),
                    buffered=len(self),
                    retry_in_s=pause,
                )

    async def flush(self) -> int:
        """Write everything buffered now, in order; raises (keeping the batch) when a write fails."""
        total = 0
        while self._buffer:
            batch = [self._buffer[i] for i in range(min(self.batch_size, len(self._buffer)))]
            total += await self._write(batch)
            for _ in batch:
                self._buffer.popleft()
            self._buffered(len(self._buffer))
            self.written.set()
        return total

    def pending(self) -> list[T]:
        """What is still buffered, oldest first."""
        return list(self._buffer)

    async def _write(self, batch: list[T]) -> int:
        """Write ``batch`` in one transaction; the number of rows actually added."""
        raise NotImplementedError

    def _buffered(self, count: int) -> None:
        """Hook: the buffer now holds ``count`` items."""

    def _failed(self) -> None:
        """Hook: a batch failed and will be retried."""
