"""``hotline sim`` in its container (the image of ``docker/Dockerfile``, built once per test session
by :mod:`tests.support.containers`), for the same end-to-end tests that run against
``hotline sim`` as a process and against the real Asterisk (``--pbx=sim-container``).

The container shares the host's network (``--network=host``): its AMI listens on a free port of
127.0.0.1, and the dialplan's ``AGI()`` reaches the FastAGI server the test runs on the host, as a
PBX beside the CTI node would.  What the simulator reads and writes on the host is mounted at the
same path inside, so paths mean the same on both sides: the dialplan's folder (``queues.conf``
beside it; a test's own folder, where the PBX may also write, e.g. a recorded comment), the
sounds folder (read-only) and Asterisk's spool (MixMonitor's files, read and written).  The
container runs as the image's own non-root user (uid 10001), so those folders are opened to it
(``o+rx``; the spool and a test's dialplan folder ``o+rwx``).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.containers import app_image, podman
from tests.support.ports import free_fixed_port
from tests.support.sim_process import SAMPLE_DIALPLAN, SECRET, USER, SimProcess

STARTUP_S = 90  # a loaded 2-core machine has taken over 30 s to start a container


@dataclass(frozen=True)
class SimContainer(SimProcess):
    """A :class:`SimProcess` whose process is the container ``container``."""

    container: str = ""


def _open_to_others(folder: Path, *, write: bool = False) -> None:
    """Let the container's user read (and write) ``folder``, whatever the test's umask made it."""
    wanted = stat.S_IROTH | stat.S_IXOTH | (stat.S_IWOTH if write else 0)
    for d in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        mode = d.stat().st_mode
        if mode & wanted != wanted:
            d.chmod(mode | wanted)
    for f in folder.rglob("*"):
        if f.is_file() and not f.stat().st_mode & stat.S_IROTH:
            f.chmod(f.stat().st_mode | stat.S_IROTH)


def _same_path(folder: Path, mode: str) -> list[str]:
    return ["-v", f"{folder}:{folder}:{mode}"]


_INCLUDE = re.compile(r'^\s*#(?:try)?include\s+["<]?(/[^">\s]+)', re.MULTILINE | re.IGNORECASE)


def _included_folders(dialplan: Path) -> list[Path]:
    """Folders of the files the dialplan ``#include``s by absolute path (e.g. the shipped
    dialplan, which the ACD's tests extend), so the container sees them too."""
    found = {Path(m).parent for m in _INCLUDE.findall(dialplan.read_text(errors="replace"))}
    return sorted(f for f in found if f.is_dir() and f != dialplan.parent)


@contextmanager
def sim_container(
    *,
    dialplan: Path | None = None,
    agi: str | None = None,
    speed: float = 1.0,
    sounds_dir: Path | None = None,
    spool_dir: Path | None = None,
    queues: Path | None = None,
    extra_args: Sequence[str] = (),
    image: str | None = None,
) -> Iterator[SimContainer]:
    """``hotline sim`` in a container on a free AMI port of 127.0.0.1; the arguments mean what
    they mean for :func:`tests.support.sim_process.sim_process` (``spool_dir``: Asterisk's spool,
    a fresh folder by default; ``queues``: a queues.conf elsewhere than beside the dialplan;
    ``image``: another build of docker/Dockerfile than the session's)."""
    engine = podman()
    image = image or app_image()
    dialplan = (dialplan or SAMPLE_DIALPLAN).resolve()
    port = free_fixed_port()  # bound a second or two later, inside the container
    workdir = Path(tempfile.mkdtemp(prefix="hotline-simc-"))
    log_path = workdir / "sim.log"
    spool = (spool_dir or workdir / "spool").resolve()
    spool.mkdir(parents=True, exist_ok=True)
    _open_to_others(spool, write=True)
    # a test's own dialplan folder: the PBX may write there too (Record() of a comment)
    own = dialplan.parent != SAMPLE_DIALPLAN.parent
    mounts = [*_same_path(dialplan.parent, "rw" if own else "ro"), *_same_path(spool, "rw")]
    args = [
        "sim", "--ami-host", "127.0.0.1", "--ami-port", str(port), "--ami-user", USER, "--ami-secret", SECRET,
        "--dialplan", str(dialplan), "--speed", str(speed), "--spool", str(spool),
    ]  # fmt: skip
    _open_to_others(dialplan.parent, write=own)
    for folder in _included_folders(dialplan):
        mounts += _same_path(folder, "ro")
    if sounds_dir is not None:
        sounds = sounds_dir.resolve()
        _open_to_others(sounds)
        mounts += _same_path(sounds, "ro")
        args += ["--sounds", str(sounds)]
    if queues is not None:
        queues = queues.resolve()
        _open_to_others(queues.parent)
        if queues.parent != dialplan.parent:
            mounts += _same_path(queues.parent, "ro")
        args += ["--queues", str(queues)]
    if agi:
        args += ["--agi", agi]
    name = f"hotline-test-sim-{os.getpid()}-{port}"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [engine.exe, "run", "--rm", "--name", name, "--network=host", *mounts, image, *args, *extra_args],
            env=engine.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_ami(port, proc, log_path)
        yield SimContainer("127.0.0.1", port, USER, SECRET, log_path, container=name)
    finally:
        stop = [engine.exe, "stop", "--time", "5", name]
        subprocess.run(stop, env=engine.env, capture_output=True, timeout=60)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            subprocess.run([engine.exe, "rm", "-f", name], env=engine.env, capture_output=True, timeout=60)
            proc.kill()
            proc.wait(5)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_ami(port: int, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    import socket

    deadline = time.monotonic() + STARTUP_S
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5) as s:
                s.settimeout(2)
                if s.recv(64).startswith(b"Asterisk Call Manager/"):
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"hotline sim did not start in its container:\n{log_path.read_text()}")
        time.sleep(0.1)


def healthcheck(name: str) -> subprocess.CompletedProcess[str]:
    """``podman healthcheck run NAME``: the image's HEALTHCHECK (``hotline health``) in the container."""
    engine = podman()
    return subprocess.run(
        [engine.exe, "healthcheck", "run", name], env=engine.env, capture_output=True, text=True, timeout=60
    )
