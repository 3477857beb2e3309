"""Rebuilding the pre-aggregates from the raw rows: ``hotline report rebuild --since … --until …``.

Day by day (local days), in one transaction each: the buckets of the day are deleted from every
cube table, then refilled by one ``INSERT … SELECT … GROUP BY`` per table over
``call_records``, ``call_legs`` and ``call_ivr_nodes`` (the same contributions as
:func:`reports.intervals.call_contributions`, :func:`reports.ivr_nodes.ivr_contributions` and
:func:`reports.dialling.outbound_contributions`; a test keeps them equal), and the agent-time
buckets from ``agent_state_spans`` (cut at quarter hours by :mod:`reports.agent_time`).  The
same SQL builds the benchmark's year (``hotline bench reports``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.agent_time import AgentState, AgentStateSpan, state_contributions
from reports.cube import build
from reports.cube_store import store_cube
from reports.dialling import PROMISE_TO_PAY
from reports.intervals import SERVICE_LEVEL_BOUNDS_S, SHORT_ABANDON_S
from reports.periods import Grain, floor, local
from storage.call_records import AGENT_STATE_SPANS, CALL_IVR_NODES, CALL_LEGS, CALL_RECORDS
from storage.report_cubes import CUBES, CubeTable, clear_range

__all__ = ["RebuildProgress", "rebuild", "rebuild_day", "refill_from_calls"]

C = CALL_RECORDS.c
L = CALL_LEGS.c
N = CALL_IVR_NODES.c


@dataclass(frozen=True, slots=True)
class RebuildProgress:
    day: datetime
    done: int
    total: int
    calls: int


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return case((cond, 1), else_=0)


def _when(cond: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[int]:
    return case((cond, value), else_=0)


def _zeros(table: CubeTable, given: dict[str, Any]) -> list[Any]:
    return [given[c].label(c) if c in given else literal(0).label(c) for c in table.counters]


def _calls_select(table: CubeTable, start_col: str, since: datetime, until: datetime) -> Any:
    start = C[start_col]
    inbound = (C.direction == "inbound") & (start >= since) & (start < until)
    answered = C.outcome == "answered"
    abandoned = C.outcome == "abandoned_in_queue"
    wait = func.coalesce(C.queue_wait_ms, 0)
    call_level = {
        "offered": literal(1),
        "self_served": _flag(C.outcome == "self_served"),
        "abandoned_ivr": _flag(C.outcome == "abandoned_in_ivr"),
        "queued": _flag(C.queue_wait_ms.is_not(None)),
        "answered": _flag(answered),
        "abandoned_queue": _flag(abandoned),
        "short_abandons": _flag(abandoned & (wait < SHORT_ABANDON_S * 1000)),
        **{f"answered_within_{b}": _flag(answered & (wait <= b * 1000)) for b in SERVICE_LEVEL_BOUNDS_S},
        "answer_wait_ms": _when(answered, wait),
        "abandon_wait_ms": _when(abandoned, wait),
        "max_wait_ms": wait,
    }
    part_calls = select(
        start.label("start"),
        C.prefecture.label("prefecture"),
        func.coalesce(C.skill, "").label("skill"),
        C.first_agent.label("agent"),
        *_zeros(table, call_level),
    ).where(inbound)
    leg_level = {
        "offers": literal(1),
        "handled": _flag(L.answered_at.is_not(None)),
        "talk_ms": L.talk_ms,
        "hold_ms": L.hold_ms,
        "wrap_ms": L.wrap_ms,
        "transfers": _flag(L.transferred),
        "escalations": _flag(L.escalated),
    }
    part_legs = (
        select(start, C.prefecture, L.skill, L.agent, *_zeros(table, leg_level))
        .select_from(CALL_LEGS.join(CALL_RECORDS, L.call_id == C.call_id))
        .where(inbound)
    )
    rated = {f"rated_{r}": _flag(C.rating == r) for r in ("satisfied", "basically_satisfied", "unsatisfied")}
    part_ratings = select(start, C.prefecture, C.last_skill, C.last_agent, *_zeros(table, rated)).where(
        inbound & C.rating.is_not(None)
    )
    return union_all(part_calls, part_legs, part_ratings).subquery()


def _ivr_select(table: CubeTable, start_col: str, since: datetime, until: datetime) -> Any:
    start = C[start_col]
    inbound = (C.direction == "inbound") & (start >= since) & (start < until)
    visits = (
        select(
            start.label("start"),
            C.prefecture.label("prefecture"),
            N.node.label("node"),
            *_zeros(table, {"visits": literal(1)}),
        )
        .select_from(CALL_IVR_NODES.join(CALL_RECORDS, N.call_id == C.call_id))
        .where(inbound)
    )
    left = {
        "self_served": _flag(C.outcome == "self_served"),
        "hung_up": _flag(C.outcome == "abandoned_in_ivr"),
        "to_agent": _flag(C.queued_at.is_not(None)),
    }
    exits = select(start, C.prefecture, C.ivr_exit_node, *_zeros(table, left)).where(
        inbound & (C.ivr_exit_node != "")
    )
    return union_all(visits, exits).subquery()


def _outbound_select(table: CubeTable, start_col: str, since: datetime, until: datetime) -> Any:
    start = C[start_col]
    contacted = C.outcome == "contacted"
    counts = {
        "attempts": literal(1),
        "contacted": _flag(contacted),
        "no_answer": _flag(C.outcome == "no_answer"),
        "busy": _flag(C.outcome == "busy"),
        "unreachable": _flag(C.outcome == "unreachable"),
        "dialer_abandoned": _flag(C.outcome == "dialer_abandoned"),
        "promises_to_pay": _flag(contacted & (C.disposition == PROMISE_TO_PAY)),
        "handle_ms": C.handle_ms,
    }
    return (
        select(
            start.label("start"),
            C.prefecture.label("prefecture"),
            C.campaign.label("campaign"),
            C.first_agent.label("agent"),
            *_zeros(table, counts),
        )
        .where((C.direction == "outbound") & C.campaign.is_not(None) & (start >= since) & (start < until))
        .subquery()
    )


_SELECTS: dict[str, Callable[[CubeTable, str, datetime, datetime], Any]] = {
    "calls": _calls_select,
    "ivr": _ivr_select,
    "outbound": _outbound_select,
}


async def refill_from_calls(db: AsyncSession, since: datetime, until: datetime) -> None:
    """``INSERT … SELECT … GROUP BY`` of the call families for buckets in ``[since, until)``
    (empty there before: see :func:`rebuild_day`)."""
    for family, make in _SELECTS.items():
        for grain, start_col in (("15min", "interval_start"), ("day", "day_start")):
            table = CUBES[family][grain]
            sub = make(table, start_col, since, until)
            keys = [sub.c[k] for k in table.keys]
            values = [
                (func.max(sub.c[c]) if c in table.maxima else func.sum(sub.c[c])).label(c)
                for c in table.counters
            ]
            query = select(*keys, *values).group_by(*keys)
            await db.execute(insert(table.table).from_select([*table.keys, *table.counters], query))


async def _refill_agent_time(db: AsyncSession, since: datetime, until: datetime) -> None:
    s = AGENT_STATE_SPANS.c
    rows = await db.execute(
        select(s.agent, s.prefecture, s.state, s.started_at, s.ended_at).where(
            s.started_at < until, s.ended_at > since
        )
    )
    spans = [
        AgentStateSpan(agent, prefecture, AgentState(state), start, end)
        for agent, prefecture, state, start, end in rows
    ]
    cube = build((k, c) for span in spans for k, c in state_contributions(span) if since <= k.start < until)
    await store_cube(db, "agent_time", cube)


async def rebuild_day(db: AsyncSession, day: datetime) -> int:
    """Rebuild every cube's buckets of one local day (caller commits); the day's call count."""
    since = floor(day, Grain.DAY)
    until = floor(since + timedelta(hours=36), Grain.DAY)
    for family in CUBES.values():
        for table in family.values():
            await clear_range(db, table, since, until)
    await refill_from_calls(db, since, until)
    await _refill_agent_time(db, since, until)
    counted = await db.execute(
        select(func.count()).select_from(CALL_RECORDS).where(C.day_start >= since, C.day_start < until)
    )
    return int(counted.scalar_one())


async def rebuild(
    sessions: async_sessionmaker[AsyncSession],
    since: datetime,
    until: datetime,
    progress: Callable[[RebuildProgress], None] | None = None,
) -> int:
    """Rebuild the local days from ``since``'s to the one before ``until`` (``until`` at a day's
    start is excluded); each day is its own transaction.  The number of calls counted."""
    first = floor(since, Grain.DAY)
    days = []
    day = first
    while day < local(until):
        days.append(day)
        day = floor(day + timedelta(hours=36), Grain.DAY)
    total = 0
    for i, day in enumerate(days, 1):
        async with sessions() as db:
            calls = await rebuild_day(db, day)
            await db.commit()
        total += calls
        if progress is not None:
            progress(RebuildProgress(day, i, len(days), calls))
    return total
