"""Row ids taken ahead from PostgreSQL's sequences, so a row can be numbered while the database
is away and written later under that id (which also makes writing it again harmless).

``IdBlock("tickets")`` holds up to ``size`` ids drawn with ``nextval`` from the table's own
sequence: they are never handed out by the database to anybody else, so rows inserted with them
do not collide with rows numbered by the database. An id not used (the node stops) is a gap in
the numbering, as a rolled-back insert is. On a database without sequences (SQLite) the block
stays empty and callers let the database number the row.
"""

from __future__ import annotations

from collections import deque

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["IdBlock"]


class IdBlock:
    def __init__(self, table: str, size: int = 100) -> None:
        self.table = table
        self.size = size
        self._ids: deque[int] = deque()

    def __len__(self) -> int:
        return len(self._ids)

    def take(self) -> int | None:
        """The next reserved id, or None when none is left."""
        return self._ids.popleft() if self._ids else None

    @property
    def low(self) -> bool:
        return len(self._ids) < self.size // 2

    async def top_up(self, db: AsyncSession) -> int:
        """Reserve ids up to ``size``; how many were added (0 without sequences)."""
        if db.get_bind().dialect.name != "postgresql" or len(self._ids) >= self.size:
            return 0
        wanted = self.size - len(self._ids)
        rows = await db.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": self.table, "n": wanted},
        )
        fresh = [int(r[0]) for r in rows]
        await db.commit()
        self._ids.extend(fresh)
        return len(fresh)
