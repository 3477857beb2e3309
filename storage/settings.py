"""Settings of the database: its URL (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

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
