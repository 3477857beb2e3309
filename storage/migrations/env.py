"""Alembic's environment for the hotline schema: run by :mod:`storage.migrate`, never by hand.

:func:`storage.migrate.upgrade` opens the connection (SQLite or PostgreSQL, async engine) and hands
it over in ``config.attributes["connection"]``; this module only configures the migration context
on it: today's models as the target (for autogenerate), batch mode so SQLite can alter tables, and
the objects the models do not declare (the PostgreSQL trigram index) left out of comparisons.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import Base, load_models
from storage.migrate import include_object

load_models()
connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("storage migrations run through storage.migrate (hotline db upgrade), not alone")

options: dict[str, Any] = {
    "connection": connection,
    "target_metadata": Base.metadata,
    "render_as_batch": True,
    "compare_type": True,
    "include_object": include_object,
}
context.configure(**options)
with context.begin_transaction():
    context.run_migrations()
