"""Call records for the reports: one row per call, one per leg (offer to an agent), the IVR nodes
it visited, and agents' state spans.  Written by the reports' recorder as calls end.

The columns are those of :class:`reports.records.CallRecord` plus what is derived from it once,
at write time, so that a rebuild of the pre-aggregates is one ``GROUP BY`` on any database:
the 15-minute and day starts of the arrival (local time, stored in UTC), the first and last
agent who answered, the queue wait, the handle time, the IVR exit node; and the caller
channel's ``Cdr`` fields (duration, billsec, disposition) as Asterisk reported them.

A call is written once: :func:`insert_call` inserts nothing when its ``call_id`` is already
there (a write retried after a commit whose answer was lost), and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Base, UtcDateTime, dialect_of

__all__ = [
    "AGENT_STATE_SPANS",
    "CALL_IVR_NODES",
    "CALL_LEGS",
    "CALL_RECORDS",
    "call_ids_between",
    "insert_call",
    "insert_state_span",
    "on_conflict_do_nothing",
]

CALL_RECORDS = Table(
    "call_records",
    Base.metadata,
    Column("call_id", String(64), primary_key=True),  # Asterisk's linkedid
    Column("direction", String(8), nullable=False),
    Column("prefecture", String(20), nullable=False),
    Column("arrived_at", UtcDateTime(), nullable=False),
    Column("interval_start", UtcDateTime(), nullable=False),  # local 15-minute start of arrival
    Column("day_start", UtcDateTime(), nullable=False),  # local day of arrival
    Column("ivr_ended_at", UtcDateTime()),
    Column("queued_at", UtcDateTime()),
    Column("hung_up_at", UtcDateTime(), nullable=False),
    Column("skill", String(64)),
    Column("outcome", String(24), nullable=False),
    Column("hung_up_by", String(8), nullable=False),
    Column("cause", Integer, nullable=False, default=16),
    Column("segment", String(20), nullable=False, default="normal"),
    Column("self_served", Boolean, nullable=False, default=False),
    Column("ivr_path", Text, nullable=False, default=""),  # nodes joined by ">"
    Column("ivr_exit_node", String(64), nullable=False, default=""),
    Column("disposition", String(32)),
    Column("rating", String(24)),
    Column("campaign", String(64)),
    Column("caller_number", String(32), nullable=False, default=""),
    # derived once, for GROUP BY rebuilds
    Column("answered_at", UtcDateTime()),
    Column("first_agent", String(64), nullable=False, default=""),
    Column("first_skill", String(64), nullable=False, default=""),
    Column("last_agent", String(64), nullable=False, default=""),
    Column("last_skill", String(64), nullable=False, default=""),
    Column("queue_wait_ms", BigInteger),
    Column("handle_ms", BigInteger, nullable=False, default=0),
    # the caller channel's Cdr event, as Asterisk reported it (None when none came)
    Column("cdr_duration_s", Integer),
    Column("cdr_billsec_s", Integer),
    Column("cdr_disposition", String(16)),
    Column("channel_answered_at", UtcDateTime()),  # the caller's channel went Up (IVR Answer)
    Column("written_at", UtcDateTime(), nullable=False),
    Index("ix_call_records_day", "day_start", "prefecture"),
    Index("ix_call_records_interval", "interval_start"),
)

CALL_LEGS = Table(
    "call_legs",
    Base.metadata,
    Column("call_id", String(64), ForeignKey("call_records.call_id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("agent", String(64), nullable=False),
    Column("skill", String(64), nullable=False),
    Column("offered_at", UtcDateTime(), nullable=False),
    Column("answered_at", UtcDateTime()),
    Column("ended_at", UtcDateTime(), nullable=False),
    Column("wrap_up_end", UtcDateTime()),
    Column("hold_ms", BigInteger, nullable=False, default=0),
    Column("talk_ms", BigInteger, nullable=False, default=0),
    Column("wrap_ms", BigInteger, nullable=False, default=0),
    Column("transferred", Boolean, nullable=False, default=False),
    Column("escalated", Boolean, nullable=False, default=False),
)

CALL_IVR_NODES = Table(
    "call_ivr_nodes",
    Base.metadata,
    Column("call_id", String(64), ForeignKey("call_records.call_id", ondelete="CASCADE"), primary_key=True),
    Column("node", String(64), primary_key=True),  # each node once per call
    Column("seq", Integer, nullable=False),
)

AGENT_STATE_SPANS = Table(
    "agent_state_spans",
    Base.metadata,
    Column("agent", String(64), primary_key=True),
    Column("started_at", UtcDateTime(), primary_key=True),
    Column("ended_at", UtcDateTime(), nullable=False),
    Column("prefecture", String(20), nullable=False),
    Column("state", String(16), nullable=False),
    Index("ix_agent_state_spans_started_at", "started_at"),
)


def on_conflict_do_nothing(db: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for this session's dialect."""
    dialect = dialect_of(db)
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).values(list(rows)).on_conflict_do_nothing()


async def insert_call(
    db: AsyncSession,
    call: Mapping[str, Any],
    legs: Sequence[Mapping[str, Any]],
    ivr_nodes: Sequence[Mapping[str, Any]],
) -> bool:
    """Insert one call with its legs and IVR nodes (caller commits); False, and nothing written,
    when the call is already there."""
    inserted = await db.execute(
        on_conflict_do_nothing(db, CALL_RECORDS, [call]).returning(CALL_RECORDS.c.call_id)
    )
    if inserted.scalar_one_or_none() is None:
        return False
    if legs:
        await db.execute(CALL_LEGS.insert(), list(legs))
    if ivr_nodes:
        await db.execute(CALL_IVR_NODES.insert(), list(ivr_nodes))
    return True


async def insert_state_span(
    db: AsyncSession, *, agent: str, prefecture: str, state: str, start: datetime, end: datetime
) -> bool:
    """Insert one agent state span (caller commits); False when that span is already there."""
    row = {"agent": agent, "prefecture": prefecture, "state": state, "started_at": start, "ended_at": end}
    done = await db.execute(
        on_conflict_do_nothing(db, AGENT_STATE_SPANS, [row]).returning(AGENT_STATE_SPANS.c.agent)
    )
    return done.scalar_one_or_none() is not None


async def call_ids_between(db: AsyncSession, since: datetime, until: datetime) -> list[str]:
    """Calls that arrived in ``[since, until)`` (tests, tools)."""
    stmt = select(CALL_RECORDS.c.call_id).where(
        CALL_RECORDS.c.arrived_at >= since, CALL_RECORDS.c.arrived_at < until
    )
    return list((await db.execute(stmt)).scalars())
