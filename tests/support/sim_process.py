"""Run ``hotline sim`` as its own process, the way a user (or CI) would, for end-to-end tests
that treat it exactly like the real Asterisk."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
# a copy of ../shared/asterisk/conf/extensions.sample.conf (kept equal by tests/test_shared_copies.py),
# so the simulator's tests run where the shared folder is absent
SAMPLE_DIALPLAN = REPO / "tests" / "data" / "sample_asterisk" / "extensions.sample.conf"
USER = "hotline"
SECRET = "s3cret"


@dataclass(frozen=True)
class SimProcess:
    host: str
    ami_port: int
    username: str
    secret: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def sim_process(
    *,
    dialplan: Path | None = None,
    agi: str | None = None,
    speed: float = 1.0,
    sounds_dir: Path | None = None,
) -> Iterator[SimProcess]:
    """``hotline sim`` on a free AMI port; ``sounds_dir`` replaces the sounds it plays (default:
    the ``[sim] sounds_dir`` setting, ``var/prompts``)."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-sim-"))
    log_path = workdir / "sim.log"
    cmd = [
        sys.executable,
        "-m",
        "cli.main",
        "sim",
        "--ami-port",
        str(port),
        "--ami-user",
        USER,
        "--ami-secret",
        SECRET,
        "--dialplan",
        str(dialplan or SAMPLE_DIALPLAN),
        "--speed",
        str(speed),
    ]
    if agi:
        cmd += ["--agi", agi]
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "PYTHONPATH": str(REPO),
                **({"HOTLINE_SIM__SOUNDS_DIR": str(sounds_dir)} if sounds_dir is not None else {}),
            },
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hotline sim did not start:\n{log_path.read_text()}") from None
                time.sleep(0.1)
        yield SimProcess("127.0.0.1", port, USER, SECRET, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
