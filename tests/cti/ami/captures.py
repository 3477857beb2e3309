"""Recorded AMI streams: the shared captures of the real Asterisk, and ``data/`` here."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.ami.protocol import AmiMessage, AmiParser
from tests.support.shared import require_shared, shared_path

DATA = Path(__file__).parent / "data"


def captures_dir() -> Path | None:
    raw = shared_path("captures", "raw")
    return raw if raw.is_dir() else None


def capture(name: str) -> bytes:
    """The bytes Asterisk sent in capture ``name`` (e.g. ``"ami_09_originate_dial_bridge"``)."""
    local = DATA / f"{name}.recv.bin"
    if local.is_file():
        return local.read_bytes()
    raw = captures_dir()
    if raw is None or not (raw / f"{name}.recv.bin").is_file():
        require_shared(f"capture {name}")
        pytest.fail(f"capture {name} is not among the shared captures")
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
