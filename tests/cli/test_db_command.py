"""``hotline db upgrade|current``; ``hotline seed`` builds its schema by the migrations."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from cli.main import main
from storage.migrate import head_revision


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_db_upgrade_makes_the_schema_and_current_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "hotline.sqlite3"
    assert main(["db", "current", "--url", f"sqlite:///{db}"]) == 0
    assert "no revision" in capsys.readouterr().out
    assert main(["db", "upgrade", "--url", f"sqlite:///{db}"]) == 0
    assert f"to {head_revision()}" in capsys.readouterr().out
    assert _revision(db) == head_revision()
    assert main(["db", "current", "--url", f"sqlite:///{db}"]) == 0
    assert f"database at {head_revision()}" in capsys.readouterr().out


def test_db_upgrade_to_an_unknown_revision_fails_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade", "--url", f"sqlite:///{tmp_path / 'x.db'}", "--revision", "9999"]) == 1
    assert "hotline db upgrade:" in capsys.readouterr().out


def test_seed_and_its_reset_leave_the_schema_under_migrations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "seeded.sqlite3"
    args = ["seed", "--url", f"sqlite:///{db}", "--today", date(2026, 12, 1).isoformat()]
    assert main(args) == 0
    assert _revision(db) == head_revision()
    assert main([*args, "--reset"]) == 0
    assert _revision(db) == head_revision()
