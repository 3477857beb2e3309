"""Background work of the API, watched: every task is kept, its failure logged, and all of them
cancelled and awaited when the app stops.  Also a one-at-a-time worker for jobs whose order
matters (a call's answer must be logged before its end).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog

__all__ = ["Background", "OrderedJobs"]

log = structlog.get_logger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any] | None:
        if self._closed:
            coro.close()
            return None
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("api background task failed", task=task.get_name(), error=repr(exc), exc_info=exc)

    async def aclose(self) -> None:
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)


class OrderedJobs:
    """Jobs run one after another, in the order they were put; a failing job is logged and skipped."""

    def __init__(self, name: str, maxsize: int = 10_000) -> None:
        self.name = name
        self._queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue(maxsize)
        self.dropped = 0

    def put(self, job: Callable[[], Awaitable[None]]) -> None:
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("api job queue full, job dropped", queue=self.name)

    async def run(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("api job failed", queue=self.name)
            finally:
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until every job put so far has run (tests)."""
        await self._queue.join()
