"""The schema's migrations (Alembic): ``hotline db upgrade``, and what the node and seed run.

The revisions live in ``storage/migrations/versions`` (shipped in the package). The first,
``BASELINE``, is the schema of the release before migrations (3a4dcab); the later ones bring it to
today's models. A database made before migrations existed has tables but no ``alembic_version``:
:func:`upgrade` adopts it — stamped at today's head when its tables already match the models (made by
``create_all`` of this release), else at the baseline — and then upgrades it, keeping its rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Base, load_models

__all__ = ["BASELINE", "MigrationError", "current_revision", "head_revision", "schema_diff", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of release 3a4dcab, the last made by create_all alone
VERSION_TABLE = "alembic_version"
UPGRADE_LOCK = 0x686F746C  # the advisory lock PostgreSQL upgrades hold ("hotl")
# objects the database has and the models do not declare: made by the migrations (and by the models'
# after_create DDL) on PostgreSQL only, so never a difference between the two
UNDECLARED = frozenset({"ix_knowledge_entries_search_trgm"})


class MigrationError(Exception):
    """The database cannot be brought to today's schema (say which and why)."""


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """What schema comparisons look at: everything but :data:`UNDECLARED` and Alembic's own table."""
    return name not in UNDECLARED and name != VERSION_TABLE


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(config()).get_current_head()
    if head is None:
        raise MigrationError(f"no migrations in {MIGRATIONS}")
    return head


def schema_diff(connection: Connection) -> list[Any]:
    """What differs between the database and today's models (Alembic autogenerate); empty when equal."""
    load_models()
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return list(compare_metadata(context, Base.metadata))


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, target: str) -> str | None:
    if connection.dialect.name == "postgresql":  # nodes starting together: one upgrades, the others wait
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
    cfg = config()
    cfg.attributes["connection"] = connection
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE not in tables and tables - {VERSION_TABLE}:
        adopted = head_revision() if not schema_diff(connection) else BASELINE
        command.stamp(cfg, adopted)
    command.upgrade(cfg, target)
    return _current(connection)


async def upgrade(engine: AsyncEngine, target: str = "head") -> str | None:
    """Bring the database to ``target`` (today's schema by default); the revision it is at after."""
    sqlite = engine.dialect.name == "sqlite"
    try:
        async with engine.connect() as conn:
            if sqlite:  # SQLite alters a table by copying it: foreign keys are checked after, not during
                await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            revision = await conn.run_sync(_upgrade, target)
            await conn.commit()
            if sqlite:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                if broken:
                    raise MigrationError(
                        f"rows whose foreign keys point nowhere after the upgrade: {broken[:5]}"
                    )
            return revision
    except MigrationError:
        raise
    except Exception as exc:
        raise MigrationError(f"database upgrade to {target} failed: {exc}") from exc


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None: not under migrations yet)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)
