"""The repeat-complaint classifier writes its marks in one go at the end (issue 16): on SQLite a
write transaction holds the database's one write lock, so it must not be kept open across the
look-ups of every ticket."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from reports.ticket_facts import RepeatClassifier
from storage.db import create_engine_from_settings, session_factory
from storage.settings import StorageSettings
from storage.ticket_lifecycle import TicketKind
from storage.tickets import NewTicket, open_ticket
from tests.support.demo_databases import demo_sqlite_file


async def test_no_look_up_runs_inside_the_write_transaction(tmp_path: Path) -> None:
    url = await demo_sqlite_file(tmp_path / "h.sqlite3", date(2024, 6, 10))
    engine = create_engine_from_settings(StorageSettings(url=url))
    sessions = session_factory(engine)
    async with sessions() as db:  # complaints from one caller, a day apart: not classified yet
        for day in range(4):
            new = NewTicket(kind=TicketKind.COMPLAINT, category="billing_dispute", prefecture="jiuquan",
                            caller_number="13900000009", created_via="ivr")  # fmt: skip
            await open_ticket(db, new, datetime(2024, 6, 1, tzinfo=UTC) + timedelta(days=day))
        await db.commit()
    statements: list[str] = []

    def executed(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.lstrip().split()[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", executed)
    event.listen(engine.sync_engine, "commit", lambda conn: statements.append("COMMIT"))
    try:
        looked_at = await RepeatClassifier(sessions).classify_new()
    finally:
        await engine.dispose()
    assert looked_at >= 4
    first_write = statements.index("UPDATE")
    assert "SELECT" not in statements[first_write : statements.index("COMMIT", first_write)]
