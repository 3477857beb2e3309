"""Recorded AMI streams: the shared captures of the real Asterisk, and ``data/`` here."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.ami.protocol import AmiMessage, AmiParser
from tests.support.real_asterisk import REPO, asterisk_dir

DATA = Path(__file__).parent / "data"


def captures_dir() -> Path | None:
    base = asterisk_dir() or REPO.parent / "shared" / "asterisk"
    raw = base / "captures" / "raw"
    return raw if raw.is_dir() else None


def capture(name: str) -> bytes:
    """The bytes Asterisk sent in capture ``name`` (e.g. ``"ami_09_originate_dial_bridge"``)."""
    local = DATA / f"{name}.recv.bin"
    if local.is_file():
        return local.read_bytes()
    raw = captures_dir()
    if raw is None or not (raw / f"{name}.recv.bin").is_file():
        pytest.skip(f"capture {name} not found (../shared/asterisk/captures/raw)")
    return (raw / f"{name}.recv.bin").read_bytes()


def all_capture_names() -> list[str]:
    raw = captures_dir()
    names = [p.name.removesuffix(".recv.bin") for p in raw.glob("ami_*.recv.bin")] if raw else []
    names += [p.name.removesuffix(".recv.bin") for p in DATA.glob("*.recv.bin")]
    return sorted(names)


def messages(name: str) -> list[AmiMessage]:
    return [m for m in AmiParser(expect_banner=True).feed(capture(name)) if isinstance(m, AmiMessage)]


def events(name: str) -> list[AmiMessage]:
    return [m for m in messages(name) if m.kind == "event"]
