"""The compose files of ``docker/`` brought up with ``podman-compose`` (the ``test`` extra; installed
into this virtualenv when missing), on the images :mod:`tests.support.containers` built.

A :class:`ComposeProject` is one ``podman-compose -p NAME -f FILE…`` project: ``up``, ``down``
(with its volumes), and what podman knows of its containers, volumes and networks (by podman-
compose's ``io.podman.compose.project`` label), so a test can see that nothing is left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.support.containers import ARTIFACTS, REPO, Podman, cache_dir, podman, unavailable

DOCKER = REPO / "docker"
LABEL = "io.podman.compose.project"


@lru_cache(maxsize=1)
def _podman_compose_or_reason() -> str | tuple[str]:
    here = Path(sys.executable).parent
    found = shutil.which("podman-compose", path=str(here)) or shutil.which("podman-compose")
    if found is None:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "podman-compose"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        found = shutil.which("podman-compose", path=str(here))
        if found is None:
            return f"podman-compose is not installed and pip could not install it: {done.stderr[-300:]}"
    return (found,)


def podman_compose() -> str:
    found = _podman_compose_or_reason()
    if isinstance(found, str):
        unavailable(found)
    return found[0]


def prompts_cache() -> Path:
    """A host folder for the prompt audio (``PROMPTS_DIR`` of the compose files), kept between
    runs: rendering every prompt takes about a minute, and ``hotline prompts build`` renders only
    what changed.  Open to the image's user (uid 10001), who writes it."""
    folder = cache_dir() / "prompts"
    folder.mkdir(exist_ok=True)
    folder.chmod(0o777)
    return folder


@dataclass
class ComposeProject:
    name: str
    files: list[Path]
    env: dict[str, str] = field(default_factory=dict)
    engine: Podman = field(default_factory=podman)

    @property
    def log(self) -> Path:
        return ARTIFACTS / f"compose-{self.name.rsplit('-', 1)[0]}.log"  # the last run's

    def compose(
        self, *args: str, timeout: float = 600, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        cmd = [podman_compose(), "-p", self.name]
        for f in self.files:
            cmd += ["-f", str(f)]
        cmd += list(args)
        done = subprocess.run(
            cmd,
            env={**self.engine.env, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=DOCKER,
        )
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as out:
            out.write(f"\n$ {' '.join(cmd)}\n{done.stdout}{done.stderr}(exit {done.returncode})\n")
        if check and done.returncode != 0:
            raise AssertionError(
                f"podman-compose {' '.join(args)} failed ({done.returncode}); see {self.log}"
            )
        return done

    def up(self, *services: str, no_deps: bool = False, timeout: float = 600) -> None:
        """``up -d`` (the images are built: never here); ``no_deps``: start just ``services``,
        without podman's ``--requires`` on their dependencies (see the production test)."""
        options = ["--no-deps"] if no_deps else []
        self.compose("up", "-d", "--no-build", "--no-recreate", *options, *services, timeout=timeout)

    def down(self) -> None:
        self.compose("down", "-v", "--timeout", "10", timeout=300)

    def containers(self) -> list[dict[str, Any]]:
        out = self.engine.run("ps", "-a", "--filter", f"label={LABEL}={self.name}", "--format", "json")
        found: list[dict[str, Any]] = json.loads(out.stdout or "[]")
        return found

    def container(self, service: str) -> str:
        """The name of ``service``'s container."""
        for c in self.containers():
            if c.get("Labels", {}).get("com.docker.compose.service") == service:
                return str(c["Names"][0])
        raise AssertionError(f"no container for service {service} in {self.name}: {self.containers()}")

    def state(self, service: str) -> dict[str, Any]:
        out = self.engine.run("inspect", "--format", "json", self.container(service))
        state: dict[str, Any] = json.loads(out.stdout)[0]["State"]
        return state

    def wait_exited(self, service: str, timeout_s: float) -> int:
        """Wait for ``service``'s container to stop; its exit code."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.state(service)
            if state.get("Status") in ("exited", "stopped"):
                return int(state.get("ExitCode", -1))
            time.sleep(1)
        raise AssertionError(
            f"{service} still running after {timeout_s:.0f} s:\n{self.logs(service)[-3000:]}"
        )

    def keep_logs(self) -> None:
        """Append every container's output to the project's log (a failed test's evidence)."""
        with self.log.open("a") as out:
            for c in self.containers():
                service = c.get("Labels", {}).get("com.docker.compose.service", "?")
                done = self.engine.run("logs", str(c["Names"][0]), check=False)
                out.write(f"\n===== logs of {service} =====\n{done.stdout}{done.stderr}")

    def logs(self, service: str) -> str:
        out = self.engine.run("logs", self.container(service), check=False)
        return out.stdout + out.stderr

    def prefill_volume(self, volume: str, source: Path, image: str) -> None:
        """Create the project's named volume ``volume`` (labelled as podman-compose labels its
        own, so it uses it and ``down -v`` removes it) holding a copy of ``source``, owned by
        the image's user: the services then find in it what an earlier run left there."""
        name = f"{self.name}_{volume}"
        labels = [f"{LABEL}={self.name}", f"com.docker.compose.project={self.name}"]
        self.engine.run("volume", "create", *(w for label in labels for w in ("--label", label)), name)
        copy = "cp -a /from/. /to/ && chown -R 10001:10001 /to"
        mounts = ["-v", f"{source}:/from:ro", "-v", f"{name}:/to"]
        self.engine.run(
            "run", "--rm", "--user", "0", "--entrypoint", "sh", *mounts, image, "-c", copy, timeout=300
        )

    def leftovers(self) -> dict[str, list[str]]:
        """What podman still has of this project: containers, volumes, networks, pods."""
        label = f"label={LABEL}={self.name}"
        found: dict[str, list[str]] = {}
        for kind, cmd in (
            ("containers", ["ps", "-a", "--filter", label, "--format", "{{.Names}}"]),
            ("volumes", ["volume", "ls", "--filter", label, "--format", "{{.Name}}"]),
            ("networks", ["network", "ls", "--filter", label, "--format", "{{.Name}}"]),
            ("pods", ["pod", "ps", "--filter", f"name={self.name}", "--format", "{{.Name}}"]),
        ):
            names = self.engine.run(*cmd, check=False).stdout.split()
            if names:
                found[kind] = names
        return found


@contextmanager
def compose_project(name: str, *files: str, env: dict[str, str]) -> Iterator[ComposeProject]:
    """A project of ``docker/FILE…`` named ``name-<pid>``; brought down (with its volumes) at the
    end whatever happened."""
    project = ComposeProject(f"{name}-{os.getpid()}", [DOCKER / f for f in files], env)
    project.log.unlink(missing_ok=True)
    try:
        yield project
    except BaseException:
        project.keep_logs()
        raise
    finally:
        project.compose("down", "-v", "--timeout", "5", timeout=300, check=False)
