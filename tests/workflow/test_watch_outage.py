"""The monitoring job while the database is away: every round fails, and each failure is one line in
the log -- the traceback only with the first of a kind -- until a round works again, which says
how many failed (a traceback every 30 s filled the log during a database outage)."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import capture_logs

from acd.clock import ManualClock
from cti.notifier import Hub
from workflow.metrics import WorkflowMetrics
from workflow.policy import MonitoringPolicy
from workflow.watch import WorkflowWatch, one_line

Sessions = async_sessionmaker[AsyncSession]


def refused() -> OperationalError:
    return OperationalError(
        "SELECT tickets.id FROM tickets", {}, ConnectionRefusedError("[Errno 111] Connect call failed")
    )


class Away:
    """The session factory of a database that is away for the first ``rounds`` rounds."""

    def __init__(self, sessions: Sessions, rounds: int) -> None:
        self._sessions = sessions
        self.left = rounds

    def __call__(self) -> Any:
        if self.left > 0:
            self.left -= 1
            raise refused()
        return self._sessions()


async def test_a_database_outage_is_one_line_a_round(db_sessions: Sessions) -> None:
    away = Away(db_sessions, rounds=4)
    metrics = WorkflowMetrics(CollectorRegistry())
    watch = WorkflowWatch(away, Hub(), MonitoringPolicy(), ManualClock(), metrics, node="node-1")  # type: ignore[arg-type]
    with capture_logs() as logs:
        running = asyncio.create_task(watch.run(interval_s=0.0))
        try:
            async with asyncio.timeout(10):
                while True:
                    if watch.rounds >= 1:  # the database is back
                        break
                    await asyncio.sleep(0.01)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    said = [e for e in logs if e["log_level"] != "debug" and e["event"].startswith("workflow round")]
    assert [e["failed_rounds"] for e in said] == [1, 2, 3, 4, 4]
    first, *again, back = said
    assert first["log_level"] == "error" and first["exc_info"] is not None
    assert all(e["log_level"] == "warning" and "exc_info" not in e for e in again)
    assert {e["error"] for e in [first, *again]} == {one_line(refused())}
    assert "\n" not in first["error"] and first["error"].startswith("OperationalError: ")
    assert back["event"] == "workflow rounds work again" and back["log_level"] == "info"


def test_one_line_keeps_the_kind_and_the_first_line() -> None:
    assert one_line(ValueError("bad\nsecond line")) == "ValueError: bad"
    assert one_line(RuntimeError()) == "RuntimeError"
    assert len(one_line(ValueError("x" * 1000))) == 300
