"""Row ids for ``IN (...)`` lists in a few fixed shapes.

SQLAlchemy expands an ``IN`` list into one bind parameter per value, so each distinct length is
a distinct SQL text: a new prepared statement in asyncpg's cache (100 per pooled connection, each
holding its text and its plan) and a new statement for PostgreSQL to parse and plan.  The
workflow watch looks up every open ticket at every tick; as tickets opened, each tick had a new
length, and the cache filled with statements of up to 1,000 parameters (seen in the soak as the
node's largest growing container).  Chunks padded to one of :data:`CHUNK_SIZES` (by repeating
their last id, which ``IN`` ignores) give at most that many statement shapes, and no statement
over the largest size, far below PostgreSQL's 32,767 parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

__all__ = ["CHUNK_SIZES", "id_chunks"]

CHUNK_SIZES = (8, 64, 512)


def id_chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    """``ids`` in chunks of at most the largest size, each padded up to one of the sizes."""
    largest = CHUNK_SIZES[-1]
    for start in range(0, len(ids), largest):
        chunk = list(ids[start : start + largest])
        size = next(s for s in CHUNK_SIZES if s >= len(chunk))
        yield chunk + [chunk[-1]] * (size - len(chunk))
