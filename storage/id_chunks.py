"""Row ids for ``IN`` look-ups in a few fixed statement shapes.

SQLAlchemy expands an ``IN`` list into one bind parameter per value, so each distinct length is
a distinct SQL text: a new prepared statement in asyncpg's cache (100 per pooled connection, each
holding its text, its plan and a tuple per parameter) and a new statement for PostgreSQL to parse
and plan.  The workflow watch looks up every open ticket at every tick; as tickets opened, each
tick had a new length, and the cache filled with statements of up to 1,000 parameters (seen in
the soak as the node's largest growing container).

On PostgreSQL the ids go as one array parameter (``ticket_id = ANY($1)``, :func:`ids_in`): one
statement, one small cache entry, whatever their number, and one chunk
(:func:`id_chunks`).  Elsewhere (SQLite: no arrays) chunks padded to one of :data:`CHUNK_SIZES`
(by repeating their last id, which ``IN`` ignores) give at most that many statement shapes, and
no statement over the largest size.  (Padded 512-id chunks kept the cache bounded on PostgreSQL
too, but at about 1,000 parameters a statement they still filled each pooled connection's cache
with large entries, connection by connection, over a 30-minute soak.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute

__all__ = ["CHUNK_SIZES", "id_chunks", "ids_in"]

CHUNK_SIZES = (8, 64, 512)


def id_chunks(ids: Sequence[int], dialect: str = "sqlite") -> Iterator[list[int]]:
    """``ids`` in the chunks :func:`ids_in` takes: all at once on PostgreSQL; elsewhere chunks of
    at most the largest size, each padded up to one of the sizes."""
    if not ids:
        return
    if dialect == "postgresql":
        yield list(ids)
        return
    largest = CHUNK_SIZES[-1]
    for start in range(0, len(ids), largest):
        chunk = list(ids[start : start + largest])
        size = next(s for s in CHUNK_SIZES if s >= len(chunk))
        yield chunk + [chunk[-1]] * (size - len(chunk))


def ids_in(column: QueryableAttribute[int], chunk: list[int], dialect: str) -> ColumnElement[bool]:
    """``column`` is one of ``chunk`` (from :func:`id_chunks`): ``= ANY(array)`` on PostgreSQL,
    ``IN (...)`` elsewhere."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, chunk, type_=ARRAY(Integer)))
    return column.in_(chunk)
