"""Scores and disputes rolled up per agent, team or prefecture for a period (质检统计), in scope.

The roll-up itself is the core's (:mod:`qa.rollups`: each score counted once, by its effective
score); this module reads the original scores of the period (by ``scored_at``) in the user's
scope, with their disputes and revisions, and lays the result out as rows, CSV or a chart's
series.  The reports read the same table (``qa_scores WHERE counts``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from cti.access.roles import Principal
from qa.refusals import QaInvalid
from qa.rollups import Level, Rollup, province_rollup, roll_up
from qa.score_desk import ScoreDesk
from qa.score_rows import statuses_of
from storage.qa_scores import QaScore

__all__ = ["COLUMNS", "rollup_csv", "rollups"]

COLUMNS = (
    "key",
    "scores",
    "mean",
    "lowest",
    "highest",
    "critical_failures",
    "disputed",
    "pending",
    "upheld",
    "revised",
)


async def rollups(
    desk: ScoreDesk, who: Principal, level: str, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """``{level, since, until, rows: [...], total: {...}}`` for the user's scope."""
    try:
        by = Level(level)
    except ValueError:
        raise QaInvalid(f"level is one of {', '.join(Level)}") from None
    library = await desk.library()
    query = select(QaScore).where(QaScore.revision_of.is_(None))
    if who.scope is not None:
        query = query.where(QaScore.prefecture == who.scope)
    if since is not None:
        query = query.where(QaScore.scored_at >= since)
    if until is not None:
        query = query.where(QaScore.scored_at < until)
    async with desk.sessions() as db:
        rows = list((await db.execute(query.order_by(QaScore.id))).scalars())
        statuses = await statuses_of(db, rows, library)
    total = province_rollup(statuses)
    if who.scope is not None:
        total = _renamed(total, who.scope)
    return {
        "level": by.value,
        "since": since,
        "until": until,
        "rows": [_row(r) for r in roll_up(statuses, by)],
        "total": _row(total),
    }


def rollup_csv(result: dict[str, Any]) -> str:
    """The roll-up as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([result["level"], *COLUMNS[1:]])
    for row in [*result["rows"], result["total"]]:
        writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return "\ufeff" + out.getvalue()


def _row(r: Rollup) -> dict[str, Any]:
    return {
        "key": r.key,
        "scores": r.scores,
        "mean": _number(r.mean),
        "lowest": _number(r.lowest),
        "highest": _number(r.highest),
        "critical_failures": r.critical_failures,
        "disputed": r.disputed,
        "pending": r.pending,
        "upheld": r.upheld,
        "revised": r.revised,
    }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _renamed(r: Rollup, key: str) -> Rollup:
    fields: Sequence[Any] = (
        key,
        r.scores,
        r.mean,
        r.lowest,
        r.highest,
        r.critical_failures,
        r.disputed,
        r.pending,
        r.upheld,
        r.revised,
    )
    return Rollup(*fields)
