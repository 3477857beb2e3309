"""``hotline agents``: add, list, edit, retire agents; ``hotline users add`` names only an agent who
exists and is in service (the issue: ``--agent-id agent-9999`` used to be accepted)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from prometheus_client import Counter

from cli.main import main
from cti.access.auth import Authenticator
from cti.access.login_throttle import LoginThrottle
from cti.access.tokens import TokenSigner
from cti.errors import BadCredentials
from storage.db import create_engine_from_settings, session_factory
from storage.settings import StorageSettings


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'agents.sqlite3'}"
    monkeypatch.setenv("HOTLINE_STORAGE__URL", url)
    return url


def add_user(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    return main(["users", "add", *args, "--password-stdin"])


def sign_in(url: str, username: str) -> str:
    """Sign in as the API does; the principal's agent id, or the refusal's error id."""

    async def attempt() -> str:
        engine = create_engine_from_settings(StorageSettings(url=url))
        auth = Authenticator(
            session_factory(engine),
            TokenSigner("k" * 32, 3600),
            LoginThrottle(),
            Counter("t_logins", "logins", ["result"], registry=None),
            lambda: 1_700_000_000.0,
        )
        try:
            _, who = await auth.login(username, "a-long-password", "127.0.0.1")
            return str(who.agent_id)
        except BadCredentials as exc:
            return exc.error_id
        finally:
            await engine.dispose()

    return asyncio.run(attempt())


def test_agents_as_data_and_users_tied_to_them(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the operator's case from the issue: no such agent
    assert (
        add_user(
            monkeypatch, "a9", "--role", "agent-junior", "--prefecture", "baiyin", "--agent-id", "agent-9999"
        )
        == 2
    )
    assert "there is no agent 'agent-9999'" in capsys.readouterr().err

    add = ["agents", "add", "agent-2001", "--extension", "2001", "--prefecture", "baiyin"]
    assert main([*add, "--skills", "complaint:4,billing", "--languages", "zh,en", "--name", "白银新人"]) == 0
    assert "added agent agent-2001 (extension 2001, baiyin, junior)" in capsys.readouterr().out
    assert main(add) == 1  # exists
    assert "exists already" in capsys.readouterr().err
    assert main(["agents", "add", "agent-2002", "--extension", "2001", "--prefecture", "baiyin"]) == 1
    assert "extension 2001 belongs to agent-2001" in capsys.readouterr().err
    assert main(["agents", "add", "agent-2003", "--extension", "2003", "--prefecture", "atlantis"]) == 2
    assert (
        main(
            [
                "agents",
                "add",
                "agent-2004",
                "--extension",
                "2004",
                "--prefecture",
                "baiyin",
                "--skills",
                "billing:x",
            ]
        )
        == 2
    )
    capsys.readouterr()

    assert (
        add_user(
            monkeypatch, "a1", "--role", "agent-junior", "--prefecture", "baiyin", "--agent-id", "agent-2001"
        )
        == 0
    )
    assert sign_in(database, "a1") == "agent-2001"

    assert main(["agents", "edit", "agent-2001", "--level", "senior", "--skills", "complaint:5"]) == 0
    assert (
        "changed agent agent-2001: extension 2001, baiyin, senior, complaint:5, zh,en"
        in capsys.readouterr().out
    )
    assert main(["agents", "edit", "agent-2999", "--level", "senior"]) == 1
    assert main(["agents", "list"]) == 0
    listed = capsys.readouterr().out
    assert "agent-2001" in listed and "complaint:5" in listed and "白银新人" in listed

    assert main(["agents", "retire", "agent-2001"]) == 0
    assert "retired agent agent-2001" in capsys.readouterr().out
    assert main(["agents", "retire", "agent-2001"]) == 1
    assert main(["agents", "list"]) == 0
    assert "agent-2001" not in capsys.readouterr().out
    assert main(["agents", "list", "--retired"]) == 0
    assert "(retired)" in capsys.readouterr().out
    assert main(["agents", "edit", "agent-2001", "--level", "junior"]) == 2
    assert "retired" in capsys.readouterr().err

    assert sign_in(database, "a1") == "auth-bad-credentials"  # a retired agent cannot sign in
    assert (
        add_user(
            monkeypatch, "a2", "--role", "agent-junior", "--prefecture", "baiyin", "--agent-id", "agent-2001"
        )
        == 2
    )
    assert "agent 'agent-2001' is retired" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    assert "(agent retired)" in capsys.readouterr().out


def test_a_department_user(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dept = ["--role", "department", "--prefecture", "baiyin"]
    assert add_user(monkeypatch, "d0", *dept) == 2  # names no department
    assert add_user(monkeypatch, "d1", *dept, "--department", "lanzhou.billing") == 2
    assert "lanzhou.billing is of lanzhou, not baiyin" in capsys.readouterr().err
    assert add_user(monkeypatch, "d2", *dept, "--department", "baiyin.billing") == 0
    assert main(["users", "list"]) == 0
    assert "baiyin.billing" in capsys.readouterr().out
