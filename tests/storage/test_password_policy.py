"""Security finding 7: a password policy beyond its length (``12345678`` used to pass)."""

from __future__ import annotations

import io

import pytest

from cli.main import main
from storage.users import DEMO_PASSWORD, password_problem


@pytest.mark.parametrize(
    "password",
    [
        "12345678",
        "password",
        "abcdefgh",
        "aaaaaaaaaaaaaaaa",
        "Ab1Ab1Ab1",
        DEMO_PASSWORD,
        "short1A",
        "Passw0rd",
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    assert password_problem(password, "wang.wei") is not None


@pytest.mark.parametrize("password", ["Lz-hotline-7", "correct horse battery", "a-long-password", "9kT#x2mQ"])
def test_strong_enough_passwords_pass(password: str) -> None:
    assert password_problem(password, "wang.wei") is None


def test_the_username_is_not_in_the_password() -> None:
    assert password_problem("Wang.Wei-2024!", "wang.wei") == "a password does not contain the username"


def test_users_add_refuses_a_weak_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("12345678\n"))
    add = ["users", "add", "x1", "--role", "admin", "--prefecture", "province", "--password-stdin"]
    assert main(add) == 2
    assert "three kinds of character" in capsys.readouterr().err
