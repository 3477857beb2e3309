"""Settings of the database: its URL (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StorageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = "sqlite+aiosqlite:///var/hotline.sqlite3"
    echo: bool = False
    # PostgreSQL connections a node keeps (pool_size) and may open beyond them at a peak
    # (max_overflow). SQLAlchemy's 5 + 10 made 1,000 concurrent IVR calls queue for a connection
    # whenever commits slowed down; keep nodes x (pool_size + max_overflow) under the server's
    # max_connections (100 by default).
    pool_size: int = Field(default=20, ge=1)
    max_overflow: int = Field(default=20, ge=0)
    # Hand out the connection returned last (LIFO) instead of the one idle longest: a node's load
    # then runs on as few connections as it needs, and only those fill their prepared-statement
    # caches (asyncpg's and SQLAlchemy's, up to 100 statements each), where FIFO spread every
    # statement over all pool_size + max_overflow connections (issue 16's soak).
    pool_use_lifo: bool = True
    # SQLite only. The journal: "wal" (write-ahead log, with synchronous=NORMAL) lets readers
    # and the one writer proceed together and makes a commit an append to the log, where the
    # rollback journal ("delete", SQLite's default) makes a commit wait until no reader is left and
    # sync the file several times, so that a busy node got "database is locked" (issue 16).
    # In-memory databases keep their own journal whatever this says.
    sqlite_journal: Literal["wal", "delete"] = "wal"
    # SQLite only: how long a statement waits for another connection's lock before it fails with
    # "database is locked" (PRAGMA busy_timeout).
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
