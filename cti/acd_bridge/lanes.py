"""Work on the ACD's calls, one lane per call: what concerns one call is done in the order it was
put, what concerns different calls is done side by side.

The AMI feed (:mod:`cti.acd_bridge.feed`) reads Asterisk's changes in order, but must not wait
for what its reports do: a report that frees an agent routes the next call, and routing acts on
Asterisk (a ``Redirect``, which waits for the AMI session and looks for the caller's channel) --
seconds while the session is away or just back.  Read one at a time, a backlog of such reports
held everything behind it, the resync after a reconnect included.  So the feed puts each report
in its call's lane (``put``) and reads on; a resync puts each call's comparison in that call's
lane (``run``, which waits for it), after whatever was heard of the call before.

A lane is a task that runs its call's jobs one at a time and ends when none is left.  Every job
put is run once: one that fails is logged and the next one runs.  :meth:`CallLanes.aclose` (the
node stopping) cancels what is left.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

__all__ = ["CallLanes"]

log = structlog.get_logger(__name__)

T = TypeVar("T")

Job = Callable[[], Awaitable[None]]


class CallLanes:
    def __init__(self, name: str) -> None:
        self.name = name
        self._lanes: dict[str, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def put(self, call: str, job: Job) -> None:
        """Run ``job`` after the jobs already put for ``call`` (at once if there are none)."""
        if self._closed:
            raise RuntimeError(f"{self.name}: lanes closed")
        lane = self._lanes.get(call)
        if lane is None:
            lane = self._lanes[call] = deque()
            task = asyncio.get_running_loop().create_task(self._drain(call, lane), name=f"{self.name} {call}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        lane.append(job)

    async def run(self, call: str, job: Callable[[], Awaitable[T]]) -> T:
        """Put ``job`` for ``call`` and wait for its result (its exception is raised here)."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        async def reported() -> None:
            try:
                result = await job()
            except asyncio.CancelledError:
                done.cancel()
                raise
            except Exception as exc:
                if not done.done():
                    done.set_exception(exc)
                return
            if not done.done():
                done.set_result(result)

        self.put(call, reported)
        return await done

    @property
    def busy(self) -> int:
        """How many calls have jobs waiting or running."""
        return len(self._lanes)

    async def idle(self) -> None:
        """Wait until every job put so far (and any they put) has run."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel every lane; jobs not yet run are dropped (and counted in the log)."""
        self._closed = True
        left = sum(len(lane) for lane in self._lanes.values())
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if left:
            log.info("acd lanes closed with work left", lanes=self.name, jobs=left)

    async def _drain(self, call: str, lane: deque[Job]) -> None:
        try:
            while lane:
                job = lane.popleft()
                try:
                    await job()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("acd lane job failed", lanes=self.name, call=call)
        finally:
            # no await between the last ``while lane`` and this: a job put meanwhile is not lost
            if self._lanes.get(call) is lane:
                del self._lanes[call]
