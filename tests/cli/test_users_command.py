"""``hotline users``: add a user (password from stdin), list, disable; bad input is refused."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from cli.main import main
from storage.db import create_engine_from_settings, session_factory
from storage.settings import StorageSettings
from storage.users import check_password, user_by_username


def test_add_list_disable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'users.sqlite3'}"
    monkeypatch.setenv("HOTLINE_STORAGE__URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    add = [
        "users",
        "add",
        "qa.baiyin",
        "--role",
        "qa-prefecture",
        "--prefecture",
        "baiyin",
        "--phone",
        "8005",
    ]
    assert main([*add, "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main([*add, "--password-stdin"]) == 1  # exists already
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "x", "--role", "admin", "--prefecture", "province", "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    agent = ["users", "add", "a9", "--role", "agent-junior", "--prefecture", "baiyin", "--password-stdin"]
    assert main(agent) == 2  # an agent names their ACD agent
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "qa.baiyin" in out and "qa-prefecture" in out and "phone 8005" in out and "$argon2" not in out
    assert main(["users", "disable", "qa.baiyin"]) == 0
    assert main(["users", "disable", "ghost"]) == 1

    async def check() -> bool:
        engine = create_engine_from_settings(StorageSettings(url=url))
        try:
            async with session_factory(engine)() as db:
                return await check_password(await user_by_username(db, "qa.baiyin"), "a-long-password")
        finally:
            await engine.dispose()

    assert asyncio.run(check()) is False  # disabled
