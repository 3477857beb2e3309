"""Run with release 3a4dcab's tree first on ``sys.path`` (see test_upgrade.py), never imported by the suite.

``python release_3a4dcab.py build URL``: that release's ``create_all`` on the (empty) database at URL,
its demo data (customers, accounts, bills, charges, knowledge, tickets, users, agents) and one row in
each table the demo data leaves empty, as that release's own code writes them; prints the rows of
every table as JSON.  ``python release_3a4dcab.py diff URL``: how the database at URL differs from
that release's models (Alembic autogenerate), one difference a line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, date, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cti.settings import StorageSettings
from cti.storage.db import Base, create_engine_from_settings, create_schema, load_models, session_factory
from sqlalchemy import Connection, inspect, text

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


async def build(url: str) -> dict[str, list[dict[str, Any]]]:
    from cti.storage.agent_calls import AgentCall
    from cti.storage.demo_data import seed_demo_data
    from cti.storage.ivr_records import IvrSession, IvrStep
    from cti.storage.monitoring import MonitoringSession
    from cti.storage.recordings import Recording, RecordingStatus

    engine = create_engine_from_settings(StorageSettings(url=url))
    await create_schema(engine)
    async with session_factory(engine)() as db:
        await seed_demo_data(db, today=date(2026, 11, 20))
        db.add(
            Recording(
                uniqueid="1700000000.1",
                linkedid="1700000000.1",
                agent="8001",
                caller_number="13900000001",
                prefecture="gy",
                source="hotline-1.wav",
                path="2026/11/20/hotline-1.wav",
                format="wav",
                started_at=AT,
                duration_s=42.5,
                size_bytes=680000,
                sha256="ab" * 32,
                status=RecordingStatus.ARCHIVED,
            )
        )
        db.add(
            AgentCall(
                uniqueid="1700000000.1",
                agent_id="a8001",
                prefecture="gy",
                skill="billing",
                waited_s=12.0,
                answered_at=AT,
                note="old call",
            )
        )
        session = IvrSession(
            uniqueid="1700000000.1",
            channel="PJSIP/trunk-00000001",
            caller_number="13900000001",
            prefecture="gy",
            language="zh",
            menu="main",
            started_at=AT,
        )
        db.add(session)
        await db.flush()
        db.add(
            IvrStep(
                session_id=session.id,
                seq=1,
                node="main",
                node_type="menu",
                result="1",
                entered_at=AT,
                left_at=AT,
                duration_ms=2500,
            )
        )
        db.add(
            MonitoringSession(
                qa_user_id=1,
                agent_id="a8001",
                prefecture="gy",
                call_uniqueid="1700000000.1",
                mode="listen",
                modes="listen",
                started_at=AT,
            )
        )
        await db.commit()
    async with engine.connect() as conn:
        rows = await conn.run_sync(_rows)
    await engine.dispose()
    return rows


def _rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    load_models()
    out: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        result = conn.execute(text(f"SELECT * FROM {table.name} ORDER BY id"))
        out[table.name] = [{k: str(v) for k, v in row._mapping.items()} for row in result]
    return out


def _diff(conn: Connection) -> list[str]:
    load_models()
    context = MigrationContext.configure(
        conn,
        opts={
            "compare_type": True,
            "include_object": lambda o, n, t, r, c: (
                n not in ("alembic_version",)
                and n not in set(inspect(conn).get_table_names()) - set(Base.metadata.tables)
            ),
        },
    )
    return [repr(d) for d in compare_metadata(context, Base.metadata)]


async def diff(url: str) -> list[str]:
    engine = create_engine_from_settings(StorageSettings(url=url))
    async with engine.connect() as conn:
        found = await conn.run_sync(_diff)
    await engine.dispose()
    return found


if __name__ == "__main__":
    what, url = sys.argv[1], sys.argv[2]
    print(json.dumps(asyncio.run(build(url) if what == "build" else diff(url)), ensure_ascii=False))
