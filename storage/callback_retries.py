"""Callback requests waiting to be tried again: the customer did not answer when the agent called.

A row keeps the request (the ACD's JSON of it, :mod:`acd.codec`), its place in line (``score``)
and when it is due, in the ACD's clock (seconds).  :func:`take_due` hands each due row to one
node: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and the row is deleted in the same transaction
as the request goes back to the ACD (which refuses a request it holds already, so a repeat is
harmless).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import Float, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base

__all__ = ["CallbackRetry", "take_due"]


class CallbackRetry(Base):
    __tablename__ = "callback_retries"

    request_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    entry: Mapped[str] = mapped_column(Text)  # acd.codec.entry_to_json of the request
    score: Mapped[float] = mapped_column(Float)
    due_at: Mapped[float] = mapped_column(Float, index=True)  # the ACD's clock, seconds
    attempt: Mapped[int] = mapped_column(Integer)  # unanswered attempts so far


async def take_due(
    db: AsyncSession, now: float, limit: int, handle: Callable[[CallbackRetry], Awaitable[object]]
) -> int:
    """Hand each due row to ``handle`` and delete it (caller commits); how many were handled."""
    stmt = (
        select(CallbackRetry)
        .where(CallbackRetry.due_at <= now)
        .order_by(CallbackRetry.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await db.execute(stmt)).scalars())
    for row in rows:
        await handle(row)
        await db.delete(row)
    return len(rows)
