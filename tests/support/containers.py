"""The container images the tests run: Debian's ``podman``, a base image made with debootstrap,
and the application image built from ``docker/Dockerfile`` -- once per test session, and reused
between runs while nothing that goes into it has changed.

What it needs, and installs when missing (as root, or with password-less sudo): ``podman``,
``runc`` and ``debootstrap`` (apt-get).  Where that cannot be had the container tests skip with
a message saying so -- or fail, with ``HOTLINE_REQUIRE_SERVICES=1`` (CI).

- **podman** runs with a configuration of its own (``CONTAINERS_CONF``: runc, cgroupfs, no
  default ulimits -- what works in CI's sandbox, see ``../shared/notes/containers.md``); where
  runc cannot be installed, with the machine's own.
- **The base image** ``localhost/hotline-base:<release>`` is the machine's Debian release made
  with ``debootstrap --variant=minbase`` plus Python and its venv module (no image registry is
  reachable in CI), trimmed like Debian's ``-slim`` images; it stays in podman's store and is
  rebuilt only when its recipe changes (label ``hotline.recipe``).  ``HOTLINE_CONTAINER_BASE``
  names another base (e.g. ``python:3.11-slim-bookworm`` where a registry is reachable).
- **The application image** ``localhost/hotline:test-<hash>``: the hash covers the Dockerfile,
  ``.dockerignore``, every file its COPY lines take and the base image's id, so a second run
  with the same sources finds it built.  The three newest such images are kept.

Build logs go to ``test-artifacts/containers/``; progress lines to the terminal.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "docker" / "Dockerfile"
ARTIFACTS = REPO / "test-artifacts" / "containers"
APP_REPOSITORY = "localhost/hotline"
PRUNE_AFTER = "3h"  # a test image younger than this is never removed
KEEP_IMAGES = 3
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
# as in Debian's -slim images: no documentation, manuals or translations (dpkg skips them)
DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
"""
CONTAINERS_CONF = """\
# written by tests/support/containers.py: what works in CI's sandbox (crun's setrlimit and its
# cgroup mode are refused there)
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""
HOW_TO = (
    "install podman, runc and debootstrap (apt-get install podman runc debootstrap) and run the tests as "
    "root, or point HOTLINE_CONTAINER_BASE at a base image podman can pull (python:3.11-slim-bookworm)"
)


class ContainersUnavailable(Exception):
    """Podman or an image cannot be had on this machine."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    d = Path(os.environ.get("HOTLINE_CONTAINER_CACHE", Path(base) / "hotline" / "containers"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _say(text: str) -> None:
    print(f"\n[containers] {text}", end="", file=sys.__stderr__, flush=True)


@dataclass(frozen=True)
class Podman:
    exe: str
    env: dict[str, str] = field(default_factory=dict)

    def run(
        self,
        *args: str,
        timeout: float = 120,
        check: bool = True,
        log: Path | None = None,
        show: re.Pattern[str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``podman ARGS``; with ``log``, its output goes there (lines matching ``show`` also to
        the terminal, as progress)."""
        if log is None:
            done = subprocess.run(
                [self.exe, *args], env=self.env, capture_output=True, text=True, timeout=timeout
            )
            if check and done.returncode != 0:
                raise RuntimeError(
                    f"podman {' '.join(args[:3])} failed ({done.returncode}): {done.stderr.strip()}"
                )
            return done
        log.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        with log.open("a") as out:
            out.write(f"\n$ podman {' '.join(args)}\n")
            out.flush()
            proc = subprocess.Popen(
                [self.exe, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                if show is not None and show.search(line):
                    _say(line.rstrip()[:120])
                if time.monotonic() > deadline:
                    proc.kill()
            returncode = proc.wait()
        if check and returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"podman {args[0]} failed ({returncode}); {log}:\n{tail}")
        return subprocess.CompletedProcess([self.exe, *args], returncode, "", "")

    def image_exists(self, ref: str) -> bool:
        return self.run("image", "exists", ref, check=False).returncode == 0

    def label(self, ref: str, name: str) -> str:
        out = self.run("image", "inspect", "--format", '{{index .Labels "' + name + '"}}', ref, check=False)
        return out.stdout.strip() if out.returncode == 0 else ""


# -- podman itself --------------------------------------------------------------------------------


def _privileged() -> list[str] | None:
    """How to run a command as root: directly, through password-less sudo, or not at all."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def _apt_install(packages: Sequence[str]) -> None:
    missing = [p for p in packages if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if not missing:
        return
    root = _privileged()
    if root is None or not shutil.which("apt-get"):
        raise ContainersUnavailable(f"{' '.join(missing)} missing and cannot be installed here (not root)")
    _say(f"installing {' '.join(missing)} (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*root, "apt-get", "install", "-y", "-qq", *missing]
    if subprocess.run(install, env=env, capture_output=True, timeout=900).returncode != 0:
        subprocess.run([*root, "apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise ContainersUnavailable(f"apt-get install {' '.join(missing)} failed: {done.stderr[-500:]}")


@lru_cache(maxsize=1)
def _podman_or_reason() -> Podman | str:
    try:
        if not shutil.which("podman"):
            _apt_install(["podman", "runc"])
        elif not shutil.which("runc"):
            with contextlib.suppress(ContainersUnavailable):  # then the machine's own runtime
                _apt_install(["runc"])
        exe = shutil.which("podman")
        if exe is None:
            return "podman is not installed"
        env = dict(os.environ)
        if shutil.which("runc"):
            conf = cache_dir() / "containers.conf"
            conf.write_text(CONTAINERS_CONF)
            env["CONTAINERS_CONF"] = str(conf)
        podman = Podman(exe, env)
        version = podman.run("version", "--format", "{{.Client.Version}}", check=False)
        if version.returncode != 0:
            return f"podman does not work here: {version.stderr.strip()[-300:]}"
        return podman
    except (ContainersUnavailable, OSError, subprocess.SubprocessError) as exc:
        return str(exc)


def unavailable(message: str) -> NoReturn:
    """Skip the test saying why -- or fail it in CI (``HOTLINE_REQUIRE_SERVICES=1``)."""
    if os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1":
        pytest.fail(
            f"containers unavailable: {message} (HOTLINE_REQUIRE_SERVICES=1: this run must not skip it)"
        )
    pytest.skip(f"containers unavailable: {message}; {HOW_TO}")


def podman() -> Podman:
    found = _podman_or_reason()
    if isinstance(found, str):
        unavailable(found)
    return found


@contextmanager
def _machine_lock() -> Iterator[None]:
    """One build at a time on this machine (podman's store is shared by every checkout)."""
    with (cache_dir() / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# -- the base image -------------------------------------------------------------------------------


def debian_release() -> str:
    text = Path("/etc/os-release").read_text() if Path("/etc/os-release").is_file() else ""
    found = re.search(r"^VERSION_CODENAME=(\w+)", text, re.MULTILINE)
    return found.group(1) if found else "bookworm"


def debian_mirror() -> str:
    """The Debian mirror of the machine's apt sources (one-line or deb822 format)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        if not path.is_file() or path.suffix not in ("", ".list", ".sources"):
            continue
        text = path.read_text(errors="replace")
        for line in re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+\S+", text, re.MULTILINE):
            if "security" not in line:
                return str(line)
        for uri in re.findall(r"^URIs:\s*(\S+)", text, re.MULTILINE):
            if "security" not in uri:
                return str(uri)
    return "http://deb.debian.org/debian"


def _base_recipe(release: str, mirror: str) -> str:
    return hashlib.sha256(f"{release} {mirror} {BASE_PACKAGES} {DPKG_EXCLUDES} minbase".encode()).hexdigest()[
        :16
    ]


def _build_base(podman: Podman, ref: str, release: str, mirror: str, recipe: str) -> None:
    root = _privileged()
    if root is None:
        raise ContainersUnavailable("debootstrap needs root")
    _apt_install(["debootstrap"])
    log = ARTIFACTS / "base.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    rootfs = Path(tempfile.mkdtemp(prefix="hotline-rootfs-", dir=cache_dir()))
    started = time.monotonic()
    _say(f"building the base image {ref}: debootstrap {release} from {mirror} (about a minute)")
    try:
        with log.open("a") as out:
            cmd = [*root, "debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", release,
                   str(rootfs), mirror]  # fmt: skip
            if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=1200).returncode != 0:
                raise ContainersUnavailable(f"debootstrap failed, see {log}")
            trim = (
                f"mkdir -p {rootfs}/etc/dpkg/dpkg.cfg.d && printf '%s' '{DPKG_EXCLUDES}' "
                f"> {rootfs}/etc/dpkg/dpkg.cfg.d/excludes && cd {rootfs} && "
                "rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* usr/share/man/* usr/share/info/* "
                "usr/share/lintian/* && "
                "find usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete && "
                "find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +"
            )
            subprocess.run([*root, "sh", "-c", trim], stdout=out, stderr=subprocess.STDOUT, check=True)
            tar = subprocess.Popen([*root, "tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
            imported = subprocess.run(
                [podman.exe, "import", "--change", f"LABEL hotline.recipe={recipe}", "-", ref],
                stdin=tar.stdout, stdout=out, stderr=subprocess.STDOUT, env=podman.env, timeout=600,
            )  # fmt: skip
            tar.wait()
            if imported.returncode != 0 or tar.returncode != 0:
                raise ContainersUnavailable(f"podman import failed, see {log}")
    finally:
        subprocess.run([*root, "rm", "-rf", str(rootfs)], check=False)
    _say(f"base image {ref} built in {time.monotonic() - started:.0f} s")


@lru_cache(maxsize=1)
def _base_or_reason() -> str | tuple[str]:
    wanted = os.environ.get("HOTLINE_CONTAINER_BASE")
    engine = podman()
    try:
        if wanted:
            if not engine.image_exists(wanted):
                _say(f"pulling {wanted}")
                engine.run("pull", wanted, timeout=900, log=ARTIFACTS / "base.log")
            return (wanted,)
        release, mirror = debian_release(), debian_mirror()
        ref = f"localhost/hotline-base:{release}"
        recipe = _base_recipe(release, mirror)
        with _machine_lock():
            if engine.label(ref, "hotline.recipe") != recipe:
                _build_base(engine, ref, release, mirror, recipe)
        return (ref,)
    except (ContainersUnavailable, RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return str(exc)


def base_image() -> str:
    found = _base_or_reason()
    if isinstance(found, str):
        unavailable(found)
    return found[0]


# -- the application image ------------------------------------------------------------------------


def copied_paths(dockerfile: Path = DOCKERFILE) -> list[str]:
    """What the Dockerfile's ``COPY`` lines take from the build context (the repository)."""
    paths: list[str] = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if len(words) >= 3 and words[0].upper() == "COPY" and not any(w.startswith("--") for w in words):
            paths.extend(words[1:-1])
    return paths


def _ignored(path: Path) -> bool:
    return (
        "__pycache__" in path.parts
        or path.suffix == ".pyc"
        or any(p.endswith(".egg-info") for p in path.parts)
    )


def build_mounts() -> list[str]:
    """The machine's CA bundle and pip configuration, so pip inside the build reaches its index."""
    mounts = []
    for path in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pip.conf"):
        if Path(path).is_file():
            mounts += ["-v", f"{path}:{path}:ro"]
    return mounts


def build(
    engine: Podman,
    ref: str,
    dockerfile: Path,
    base: str,
    *,
    log: Path,
    context: Path = REPO,
    extra: Sequence[str] = (),
) -> float:
    """``podman build`` (docker format: it keeps the HEALTHCHECK); returns the seconds it took."""
    started = time.monotonic()
    engine.run(
        "build", "--format", "docker", "--isolation=chroot", "--network=host", *build_mounts(),
        "--build-arg", f"BASE={base}", *extra, "-t", ref, "-f", str(dockerfile), str(context),
        timeout=1800, log=log, show=re.compile(r"^STEP \d+/\d+: (FROM|RUN|COPY (?!\S+ \S+$))"),
    )  # fmt: skip
    return time.monotonic() - started


def _prune_old_images(engine: Podman, repository: str, keep: str) -> None:
    """Keep the newest few ``test-`` images of ``repository`` and any built in the last
    ``PRUNE_AFTER`` (other checkouts' test runs on this machine may be using them)."""
    listing = "{{.Repository}}:{{.Tag}} {{.CreatedAt}}"
    out = engine.run("images", "--format", listing, repository, check=False)
    tags = [line.split(" ", 1) for line in out.stdout.splitlines() if ":test-" in line]
    tags.sort(key=lambda t: t[1], reverse=True)
    old = engine.run(
        "images",
        "--format",
        "{{.Repository}}:{{.Tag}}",
        "--filter",
        f"until={PRUNE_AFTER}",
        check=False,
    )
    stale = set(old.stdout.split()) if old.returncode == 0 else set()
    for ref, _ in tags[KEEP_IMAGES:]:
        if ref != keep and ref in stale:
            engine.run("rmi", ref, check=False)  # in use by a running container: kept


def _files_hash(seed: str, paths: Sequence[Path]) -> str:
    h = hashlib.sha256(seed.encode())
    for top in paths:
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
        for f in files:
            name = f.relative_to(REPO) if f.is_relative_to(REPO) else f
            if f.exists() and not _ignored(name):
                h.update(str(name).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


_FAILED: dict[str, str] = {}


def cached_image(
    repository: str,
    dockerfile: Path,
    *,
    inputs: Sequence[Path],
    context: Path = REPO,
    build_args: Sequence[str] = (),
    what: str = "",
) -> str:
    """``repository:test-<hash of inputs and the base>``, built from ``dockerfile`` on the base
    image unless it is there already; skips (fails in CI) when it cannot be had (and does not
    try again in this session)."""
    if repository in _FAILED:
        unavailable(_FAILED[repository])
    engine = podman()
    base = base_image()
    try:
        base_id = engine.run("image", "inspect", "--format", "{{.Id}}", base).stdout.strip()
        ref = f"{repository}:test-{_files_hash(base_id + ' '.join(build_args), [dockerfile, *inputs])}"
        with _machine_lock():
            if engine.image_exists(ref):
                return ref
            _say(f"building {ref} from {dockerfile.name} on {base}{what}")
            log = ARTIFACTS / f"{repository.rsplit('/', 1)[-1]}.build.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text("")
            extra = [word for arg in build_args for word in ("--build-arg", arg)]
            took = build(engine, ref, dockerfile, base, log=log, context=context, extra=extra)
            _say(f"built {ref} in {took:.0f} s (log: {log})")
            _prune_old_images(engine, repository, ref)
        return ref
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        _FAILED[repository] = f"{repository}: {exc}"
        unavailable(_FAILED[repository])


@lru_cache(maxsize=1)
def app_image() -> str:
    """The application image for this session's sources (built now if it is not there)."""
    inputs = [REPO / ".dockerignore", *(REPO / name for name in copied_paths(DOCKERFILE))]
    return cached_image(APP_REPOSITORY, DOCKERFILE, inputs=inputs, what=" (cold: a few minutes)")


@cache
def stand_in_image(name: str) -> str:
    """``redis`` or ``postgres``: what the official image does for the production compose file,
    made from Debian's packages (``tests/docker/images/``) since no registry is reachable here."""
    folder = REPO / "tests" / "docker" / "images"
    dockerfile = folder / f"{name}.Dockerfile"
    inputs = sorted(folder.glob(f"{name}*"))
    return cached_image(f"localhost/hotline-test-{name}", dockerfile, inputs=inputs, context=folder)


def _uses_containers(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    return item.get_closest_marker("containers") is not None or "sim-container" in params


def prepare_images(items: Sequence[pytest.Item]) -> None:
    """Build (or find) the images ``items`` will use; a failure is left for those tests to
    report (it is remembered, not retried)."""
    users = [item for item in items if _uses_containers(item)]
    if not users:
        return
    wanted = [app_image]
    if any(item.nodeid.startswith("tests/docker/test_compose.py") for item in users):
        wanted += [lambda: stand_in_image("redis"), lambda: stand_in_image("postgres")]
    for make in wanted:
        try:
            make()
        except (pytest.skip.Exception, pytest.fail.Exception):
            return
