"""A callback whose customer did not answer is tried again, per ``[acd] callback_retry_s``.

The agent answered, ``[acd-callback]`` dialled the customer, nobody answered (busy, no answer, the
agent gave up): the feed (:mod:`cti.acd_bridge.feed`) ends the call in the ACD as before (the agent
goes to wrap-up) and tells :meth:`CallbackRetries.unanswered`, which stores the request — with a
``callback-unanswered`` entry in its history and its old place in line — due after the next delay
of the policy (default 5 min, then 15 min).  :meth:`CallbackRetries.tick` (every second) puts due
requests back in the ACD's line (:meth:`acd.service.AcdService.retry_callback`), where they are
served in their old place like any callback.  After the last delay, an unanswered callback is given
up, logged with its history.  Stored in the database (``callback_retries``), so a retry survives
a restart and several nodes hand each one to the ACD once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.clock import Clock
from acd.codec import entry_from_json, entry_to_json
from acd.model import CallbackRequest, HistoryEntry
from acd.service import AcdService
from storage.callback_retries import CallbackRetry, take_due

__all__ = ["UNANSWERED", "CallbackRetries"]

log = structlog.get_logger(__name__)

UNANSWERED = "callback-unanswered"  # the history kind of an attempt the customer did not answer


class CallbackRetries:
    def __init__(
        self,
        service: AcdService,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        delays_s: Sequence[float],
    ) -> None:
        self._service = service
        self._sessions = sessions
        self._clock = clock
        self._delays = tuple(delays_s)

    async def unanswered(self, request: CallbackRequest, score: float, agent_id: str, status: str) -> bool:
        """Schedule the next try; False when the policy's tries are used up (given up)."""
        now = self._clock.now()
        tried = sum(1 for h in request.history if h.kind == UNANSWERED)
        entry = replace(request, history=(*request.history, HistoryEntry(now, UNANSWERED, agent_id, status)))
        if tried >= len(self._delays):
            log.info(
                "acd callback given up", uniqueid=request.uniqueid, request=request.request_id,
                attempts=tried + 1, status=status,
            )  # fmt: skip
            return False
        due = now + self._delays[tried]
        async with self._sessions() as db:
            await db.merge(
                CallbackRetry(
                    request_id=request.request_id, entry=entry_to_json(entry), score=score, due_at=due,
                    attempt=tried + 1,
                )
            )  # fmt: skip
            await db.commit()
        log.info(
            "acd callback unanswered, retry scheduled", uniqueid=request.uniqueid, request=request.request_id,
            attempt=tried + 1, status=status, in_s=self._delays[tried],
        )  # fmt: skip
        return True

    async def tick(self) -> int:
        """Put every due request back in line; how many."""

        async def back_in_line(row: CallbackRetry) -> None:
            entry = entry_from_json(row.entry)
            if isinstance(entry, CallbackRequest):
                await self._service.retry_callback(entry, row.score)

        async with self._sessions() as db:
            count = await take_due(db, self._clock.now(), 50, back_in_line)
            await db.commit()
        return count

    async def run(self, every_s: float = 1.0) -> None:
        while True:
            try:
                await self.tick()
            except (SQLAlchemyError, OSError) as exc:
                # the database is away: one line, not a traceback a second (rendering one in the
                # console can hold the event loop for seconds, and the calls with it)
                log.warning("acd callback retries: database unavailable, will retry", error=str(exc))
            except Exception:
                log.exception("acd callback retries failed")
            await asyncio.sleep(every_s)
