"""Start and stop the real Asterisk 22 from ``../shared/asterisk`` for conformance tests.

Where it lives: ``HOTLINE_ASTERISK_DIR`` (a folder holding ``start.sh``/``stop.sh`` as in
``../shared/asterisk``), else ``<repo>/../shared/asterisk``.  When neither exists the tests
that need it are skipped with a message saying so -- unless ``HOTLINE_REQUIRE_ASTERISK=1``
(set by ``.ci/run``), where a missing Asterisk is an error.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port
from tests.support.shared import require_shared, shared_asterisk_dir

REPO = Path(__file__).resolve().parents[2]
AMI_USER = "hotline"
AMI_SECRET = "s3cret"


def asterisk_dir() -> Path | None:
    return shared_asterisk_dir()


def require_asterisk_dir() -> Path:
    return require_shared("real Asterisk")


@dataclass
class RealAsterisk:
    rundir: Path
    ami_port: int
    username: str = AMI_USER
    secret: str = AMI_SECRET
    host: str = "127.0.0.1"
    env: dict[str, str] | None = None  # what start.sh was given (None: not restartable)

    def start(self) -> None:
        """Start it (again) on the same run folder, AMI port and configuration."""
        start_asterisk(self.rundir, self.env or {**os.environ, "AMI_PORT": str(self.ami_port)})

    def stop(self) -> None:
        """Stop it as an operator does (``core stop now``: the calls are hung up first)."""
        subprocess.run(
            ["bash", str(require_asterisk_dir() / "stop.sh"), str(self.rundir)],
            capture_output=True,
            timeout=60,
        )

    def crash(self) -> None:
        """Kill it at once (SIGKILL): no goodbye on AMI or FastAGI, the sockets just close."""
        pid_file = self.rundir / "asterisk.pid"
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):  # gone once its parent (not us: start.sh detached it) has reaped it
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[-1][:1]
            except FileNotFoundError:
                break
            if state == "Z":
                break
            time.sleep(0.05)
        pid_file.unlink()

    def cli(self, command: str) -> str:
        prefix = Path(os.environ.get("HOTLINE_ASTERISK_CACHE", "/tmp/hotline-asterisk")) / "asterisk-22.10.1"
        out = subprocess.run(
            [
                str(prefix / "sbin" / "asterisk"),
                "-C",
                str(self.rundir / "etc" / "asterisk.conf"),
                "-rx",
                command,
            ],
            env={**os.environ, "LD_LIBRARY_PATH": str(prefix / "lib")},
            capture_output=True,
            text=True,
            timeout=20,
        )
        return out.stdout

    def console_log(self) -> str:
        return (self.rundir / "log" / "console.log").read_text(errors="replace")


@contextmanager
def real_asterisk(
    *, extensions: Path | None = None, conf_dir: Path | None = None, extra_files: dict[str, str] | None = None
) -> Iterator[RealAsterisk]:
    """Run a real Asterisk with ``extensions`` as its extensions.conf on a free AMI port."""
    d = require_asterisk_dir()
    # keep the run dir short: Asterisk's control socket path must fit in sun_path
    rundir = Path(tempfile.mkdtemp(prefix="ast", dir="/tmp"))
    port = free_port()
    env = {**os.environ, "AMI_PORT": str(port), "AMI_USER": AMI_USER, "AMI_SECRET": AMI_SECRET}
    if extensions is not None:
        env["EXTENSIONS"] = str(extensions)
    if conf_dir is not None:
        env["CONF_DIR"] = str(conf_dir)
    start_asterisk(rundir, env)
    ast = RealAsterisk(rundir=rundir, ami_port=port, env=env)
    try:
        if extra_files:
            for name, text in extra_files.items():
                (rundir / name).write_text(text)
        yield ast
    finally:
        subprocess.run(["bash", str(d / "stop.sh"), str(rundir)], capture_output=True, timeout=60)
        shutil.rmtree(rundir, ignore_errors=True)


def start_asterisk(rundir: Path, env: dict[str, str]) -> None:
    """``start.sh RUNDIR``, one at a time on this machine: the first unpacks the Asterisk build
    into the shared cache (``/tmp/hotline-asterisk``), which a second must not find half done."""
    with (Path(tempfile.gettempdir()) / "hotline-asterisk.start.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.run(
            ["bash", str(require_asterisk_dir() / "start.sh"), str(rundir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"real Asterisk did not start: {proc.stdout}\n{proc.stderr}")
