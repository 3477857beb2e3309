"""Workflow monitoring in a running CTI node: :func:`running_workflow`, entered by the composition
root (:mod:`node.root`).

It runs the monitoring job (:class:`~workflow.watch.WorkflowWatch`) every ``[workflow]
interval_s`` until the block ends.  The root also calls :func:`sync_departments` when the node
starts, whether it monitors or not: it writes the departments file into the table (a broken file
stops the node with the item named), so that the desk dispatches to what the file lists.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import structlog
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.clock import Clock, SystemClock
from cti.notifier import Hub
from storage.departments import DepartmentSpec, save_departments
from storage.prefectures import PREFECTURES
from workflow.departments import DEFAULT_DEPARTMENTS_PATH, DepartmentDirectory, load_departments
from workflow.metrics import WorkflowMetrics
from workflow.settings import WorkflowSettings
from workflow.watch import WorkflowWatch

__all__ = ["department_specs", "running_workflow", "sync_departments"]

log = structlog.get_logger(__name__)


def department_specs(directory: DepartmentDirectory) -> list[DepartmentSpec]:
    return [DepartmentSpec(d.code, d.prefecture, d.name_zh, d.name_en) for d in directory]


async def sync_departments(
    sessions: async_sessionmaker[AsyncSession], path: Path | None = None
) -> DepartmentDirectory:
    """Read the departments file (default ``workflow/departments.yaml``) for the hotline's
    prefectures and make the table say the same; raises :class:`workflow.errors.ConfigError`."""
    directory = load_departments([p.code for p in PREFECTURES], path or DEFAULT_DEPARTMENTS_PATH)
    async with sessions() as db:
        added, retired = await save_departments(db, department_specs(directory))
        await db.commit()
    log.info("departments loaded", departments=len(directory), added=added, retired=retired)
    return directory


@contextlib.asynccontextmanager
async def running_workflow(
    settings: WorkflowSettings,
    sessions: async_sessionmaker[AsyncSession],
    hub: Hub,
    registry: CollectorRegistry,
    *,
    node: str,
    clock: Clock | None = None,
) -> AsyncIterator[WorkflowWatch]:
    watch = WorkflowWatch(
        sessions,
        hub,
        settings.policy(),
        clock or SystemClock(),
        WorkflowMetrics(registry),
        node=node,
        delivery_window_s=settings.delivery_window_s,
    )
    task = asyncio.create_task(watch.run(settings.interval_s), name="workflow monitoring")
    log.info("workflow monitoring up", interval_s=settings.interval_s)
    try:
        yield watch
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
