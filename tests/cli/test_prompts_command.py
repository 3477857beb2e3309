"""``hotline prompts build --url``: on a database no node has run on yet (the production stack's
first start, where the `prompts` service runs before the node), the schema is created and there
are no knowledge entries to render -- rather than a failure that stops the stack."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from cli.commands.prompts import _knowledge
from storage.db import create_engine_from_settings
from storage.settings import StorageSettings


async def test_a_new_database_gets_its_schema_and_has_no_knowledge_to_render(tmp_path: Path) -> None:
    storage = StorageSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}")
    assert await _knowledge(storage) == []
    engine = create_engine_from_settings(storage)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert {"knowledge_entries", "ivr_sessions", "tickets"} <= set(tables)
