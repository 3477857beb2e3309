"""The retention job deletes exactly what its policy says, and the dry run lists the same: from the
store and the rows, with complaints kept longer, holds respected, and the command line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cli.main import main
from recordings.retention import parse_policy
from recordings.retention_job import RetentionJob
from recordings.store import LocalStore
from storage.agent_calls import AgentCall
from storage.db import create_engine_from_settings, create_schema, session_factory
from storage.qa_scores import DisputeStatus, QaScore, ScoreSource
from storage.recordings import Recording, RecordingStatus
from storage.settings import StorageSettings
from storage.ticket_lifecycle import TicketKind, TicketStatus
from storage.tickets import Ticket

AS_OF = date(2024, 7, 15)
# id: (category, started (UTC), legal hold) — with {default: 6m, complaint: 2y} as of 2024-07-15:
RECORDINGS = {
    1: ("billing", datetime(2024, 1, 14, 16, 30, tzinfo=UTC), False),  # 01-15 in UTC+8: due 07-15
    2: ("billing", datetime(2024, 1, 15, 16, 0, tzinfo=UTC), False),  # 01-16 in UTC+8: due 07-16, kept
    3: ("complaint", datetime(2023, 1, 10, tzinfo=UTC), False),  # a complaint: kept 2 years
    4: ("complaint", datetime(2022, 7, 14, 23, 0, tzinfo=UTC), False),  # 07-15 in UTC+8, 2 years: due
    5: ("fault", datetime(2023, 1, 1, tzinfo=UTC), True),  # an auditor's hold
    6: ("billing", datetime(2023, 1, 1, tzinfo=UTC), False),  # its score is under dispute: held
    7: ("billing", datetime(2023, 3, 1, tzinfo=UTC), False),  # a complaint ticket at wrap-up: 2 years
    8: ("consultation", datetime(2023, 3, 1, tzinfo=UTC), False),  # due, and its file is already gone
    9: ("other", datetime(2024, 7, 1, tzinfo=UTC), False),  # recent
}
DUE = [4, 5, 6, 8, 1]  # oldest first, before holds are taken out
DELETED = [4, 8, 1]


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine_from_settings(
        StorageSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    )
    await create_schema(engine)
    made = session_factory(engine)
    async with made() as db:
        for n, (category, started, hold) in RECORDINGS.items():
            key = f"lanzhou/{started:%Y/%m/%d}/1718000000.{n}.wav"
            if n != 8:
                (tmp_path / "archive" / key).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / "archive" / key).write_bytes(b"RIFF" + bytes([n]))
            db.add(
                Recording(
                    id=n,
                    uniqueid=f"1718000000.{n}",
                    linkedid=f"1718000000.{n}",
                    prefecture="lanzhou",
                    source="x",
                    path=key,
                    format="wav",
                    started_at=started,
                    status=RecordingStatus.ARCHIVED,
                    category=category,
                    legal_hold=hold,
                )
            )
        db.add(
            QaScore(
                score_id="S6",
                call_uniqueid="1718000000.6",
                agent_id="agent-1001",
                prefecture="lanzhou",
                team="t",
                source=ScoreSource.RECORDING,
                form_id="f",
                form_version=1,
                form_fingerprint="x",
                total=Decimal(0),
                critical_failed=True,
                answers="{}",
                scorer="user-1",
                scored_at=started,
                comment="",
                status=DisputeStatus.DISPUTED,
                counts=True,
                version=1,
            )
        )
        db.add(
            Ticket(
                number="00000777",
                kind=TicketKind.COMPLAINT,
                caller_number="13800000001",
                prefecture="lanzhou",
                status=TicketStatus.ACCEPTED,
                description="",
                created_via="agent",
                created_at=started,
                updated_at=started,
            )
        )
        db.add(
            AgentCall(
                uniqueid="1718000000.7",
                agent_id="agent-1001",
                prefecture="lanzhou",
                skill="billing",
                waited_s=0,
                answered_at=started,
                ended_at=started,
                ticket_number="00000777",
                note="",
            )
        )
        await db.commit()
    yield made
    await engine.dispose()


def _job(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> RetentionJob:
    return RetentionJob(
        sessions, LocalStore(tmp_path / "archive"), parse_policy({"default": "6m", "complaint": "2y"})
    )


async def test_the_job_deletes_exactly_what_the_dry_run_lists(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    job = _job(sessions, tmp_path)
    dry = await job.run(AS_OF, dry_run=True)
    assert [int(e.recording.recording_id) for e in dry.plan.deletions] == DELETED
    assert [int(e.recording.recording_id) for e in dry.plan.held] == [5, 6]
    assert dry.deleted == [] and all(p.is_file() for p in (tmp_path / "archive").rglob("*.wav"))
    assert sorted(int(e.recording.recording_id) for e in (*dry.plan.deletions, *dry.plan.held)) == sorted(DUE)

    progress: list[tuple[int, int]] = []
    done = await job.run(AS_OF, progress=lambda n, total: progress.append((n, total)))
    assert [int(e.recording.recording_id) for e in done.plan.deletions] == DELETED
    assert (done.deleted, done.already_gone, done.failed) == ([4, 1], [8], [])
    assert progress == [(1, 3), (2, 3), (3, 3)]
    left = sorted(int(p.name.split(".")[1]) for p in (tmp_path / "archive").rglob("*.wav"))
    assert left == [2, 3, 5, 6, 7, 9]
    async with sessions() as db:
        rows = {r.id: r for r in (await db.execute(select(Recording))).scalars()}
    assert {n for n, r in rows.items() if r.status is RecordingStatus.DELETED} == set(DELETED)
    assert rows[1].deleted_reason == "retention: billing kept 6m, due 2024-07-15"
    assert rows[4].deleted_reason == "retention: complaint kept 2y, due 2024-07-15"
    assert rows[1].deleted_at is not None and rows[2].deleted_at is None
    again = await job.run(AS_OF)
    assert again.plan.deletions == () and again.deleted == []


async def test_the_command_line_dry_run_lists_the_same(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOTLINE_STORAGE__URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("HOTLINE_RECORDINGS__DIRECTORY", str(tmp_path / "archive"))
    csv_path = tmp_path / "plan.csv"
    dry_run = ["recordings", "retention", "--dry-run", "--as-of", "2024-07-15", "--csv", str(csv_path)]
    assert await asyncio.to_thread(main, dry_run) == 0  # the command runs its own event loop
    out = capsys.readouterr().out
    listed = [int(line.split()[0]) for line in out.splitlines()[2:] if line.strip()[:1].isdigit()]
    assert listed == [*DELETED, 5, 6]
    assert "dry run: 3 to delete, 2 held; nothing deleted" in out
    assert len(list((tmp_path / "archive").rglob("*.wav"))) == 8
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["4", "8", "1", "5", "6"]
    assert lines[1].endswith(",2y,2024-07-15,delete") and lines[4].endswith(",held")

    assert await asyncio.to_thread(main, ["recordings", "retention", "--as-of", "2024-07-15"]) == 0
    out = capsys.readouterr().out
    assert "deleting 3/3" in out and "deleted 2, already gone 1, failed 0" in out
    assert len(list((tmp_path / "archive").rglob("*.wav"))) == 6
