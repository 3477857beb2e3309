"""Where the shared reference material is: ``../shared/asterisk`` (the real Asterisk 22, its
configuration and the captured exchanges).

Looked for in order: ``HOTLINE_ASTERISK_DIR``; ``<repo>/../shared/asterisk``; and, for a clone
made elsewhere (``git clone /work/main /tmp/x``), ``<origin>/../shared/asterisk`` when the
clone's ``origin`` is a local path.  Tests needing it skip with a message saying how to point
them at it — or fail, when ``HOTLINE_REQUIRE_ASTERISK=1`` (CI).
"""

from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOW_TO = (
    "no real Asterisk found: set HOTLINE_ASTERISK_DIR to a folder with start.sh/stop.sh, the built "
    "Asterisk tarball, conf/ and captures/ (like ../shared/asterisk, which runs Asterisk 22 with Local "
    "channels) to run these tests against it"
)


def _origin_repo() -> Path | None:
    try:
        url = subprocess.run(
            ["git", "config", "--get", "remote.origin.url"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not url or "://" in url or ":" in url.split("/")[0]:
        return None  # not a local path
    path = Path(url.removeprefix("file://"))
    return path if path.is_dir() else None


@lru_cache(maxsize=1)
def shared_asterisk_dir() -> Path | None:
    candidates: list[Path] = []
    env = os.environ.get("HOTLINE_ASTERISK_DIR")
    if env:
        candidates.append(Path(env))
    candidates.append(REPO.parent / "shared" / "asterisk")
    origin = _origin_repo()
    if origin is not None:
        candidates.append(origin.resolve().parent / "shared" / "asterisk")
    for c in candidates:
        if (c / "start.sh").is_file() and any(c.glob("asterisk-*.tar.xz")):
            return c
    return None


def require_shared(what: str = "") -> Path:
    """The shared Asterisk folder, or skip (fail in CI) with a message saying how to provide it."""
    d = shared_asterisk_dir()
    if d is None:
        message = HOW_TO + (f" ({what})" if what else "")
        if os.environ.get("HOTLINE_REQUIRE_ASTERISK") == "1":
            pytest.fail(message + " — HOTLINE_REQUIRE_ASTERISK=1: this run must not skip it")
        pytest.skip(message)
    return d


def shared_path(*parts: str) -> Path:
    """A path inside the shared folder (which may not exist; see :func:`require_shared`)."""
    base = shared_asterisk_dir() or REPO.parent / "shared" / "asterisk"
    return base.joinpath(*parts)
