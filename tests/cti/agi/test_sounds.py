"""Sounds in the prompts folder go to Asterisk by absolute path, in the channel's language."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cti.agi.environment import parse_environment
from cti.agi.session import AgiSession
from cti.agi.sounds import SoundFolder


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    for lang in ("zh", "en"):
        (tmp_path / lang / "hotline").mkdir(parents=True)
        (tmp_path / lang / "hotline" / "welcome.gsm").write_bytes(b"x")
    (tmp_path / "zh" / "hotline" / "only_zh.wav").write_bytes(b"x")
    return tmp_path


def test_a_prompt_in_the_folder_is_named_by_its_absolute_path(prompts: Path) -> None:
    folder = SoundFolder(prompts)
    assert folder.name_for("hotline/welcome", "zh") == f"{prompts.resolve()}/zh/hotline/welcome"
    assert folder.name_for("hotline/welcome", "en") == f"{prompts.resolve()}/en/hotline/welcome"


def test_other_sounds_keep_their_names(prompts: Path) -> None:
    folder = SoundFolder(prompts)
    assert folder.name_for("hotline/only_zh", "en") == "hotline/only_zh"  # Asterisk's en folder, then
    assert folder.name_for("beep", "zh") == "beep"
    assert folder.name_for("/abs/thing", "zh") == "/abs/thing"
    assert folder.name_for("", "zh") == ""


def test_a_relative_folder_is_made_absolute(prompts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(prompts.parent)
    assert SoundFolder(Path(prompts.name)).root == prompts.resolve()


class Wire:
    """The transport: records each command and answers it at once (``200 result=0``)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.session: AgiSession | None = None

    def write(self, data: bytes) -> None:
        self.sent.append(data)
        if self.session is not None:
            asyncio.get_running_loop().call_soon(self.session.receive, b"200 result=0 endpos=100\n")

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        pass


async def test_the_session_plays_by_path_in_the_language_it_was_switched_to(prompts: Path) -> None:
    env = parse_environment(
        ["agi_network: yes", "agi_request: agi://x/ivr", "agi_channel: PJSIP/a-1", "agi_language: en",
         "agi_uniqueid: 1.1"]
    )  # fmt: skip
    wire = Wire()
    folder = SoundFolder(prompts)
    root = folder.root
    session = wire.session = AgiSession(env, wire, sounds=folder)
    await session.stream_file("hotline/welcome", "1")
    await session.set_variable("CHANNEL(language)", "zh")
    await session.get_data("hotline/only_zh", 1000, 1)
    await session.stream_file("beep")
    assert wire.sent[0] == f"STREAM FILE {root}/en/hotline/welcome 1\n".encode()
    assert wire.sent[2].startswith(f"GET DATA {root}/zh/hotline/only_zh ".encode())
    assert wire.sent[3].startswith(b"STREAM FILE beep")
