"""``hotline health``: is the ``hotline`` process beside this one doing its job?  The image's
HEALTHCHECK (``docker/Dockerfile``) runs it inside the container, where one image plays several
parts, so it first finds what the container runs (the oldest other ``hotline`` process, read from
``/proc``; or ``--pid``) and probes what that command serves:

- ``sim``: the AMI port answers with Asterisk's banner;
- ``serve``: the FastAGI port accepts a connection and, when the API listens, ``/metrics``
  answers and shows the AMI session up (``hotline_ami_connected`` 1: a node without its
  Asterisk is not doing its job);
- ``demo --web PORT``: the agent page answers;
- anything else (``demo`` without pages, ``prompts build``, ``seed`` …): nothing listens; healthy
  while it runs.

Exit status 0 when every probe passed, 1 otherwise; one line per probe.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 3.0
_AMI_CONNECTED = re.compile(r"^hotline_ami_connected(?:\{[^}]*\})? 1(?:\.0)?$", re.MULTILINE)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("health", help="check what this container's hotline process serves (HEALTHCHECK)")
    p.add_argument(
        "--pid", type=int, default=None, help="the hotline process to check (default: found in /proc)"
    )
    p.set_defaults(func=_run)


@dataclass(frozen=True)
class Probe:
    """One check: what it looks at, and a function that returns None when fine, else the problem."""

    what: str
    check: Callable[[], str | None]


def _local(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def ami_banner(host: str, port: int) -> Probe:
    def check() -> str | None:
        try:
            with socket.create_connection((_local(host), port), TIMEOUT_S) as s:
                s.settimeout(TIMEOUT_S)
                banner = s.recv(64)
        except OSError as exc:
            return str(exc)
        return None if banner.startswith(b"Asterisk Call Manager/") else f"no AMI banner: {banner!r}"

    return Probe(f"AMI on {_local(host)}:{port}", check)


def tcp_accepts(what: str, host: str, port: int) -> Probe:
    def check() -> str | None:
        try:
            socket.create_connection((_local(host), port), TIMEOUT_S).close()
        except OSError as exc:
            return str(exc)
        return None

    return Probe(f"{what} on {_local(host)}:{port}", check)


def http_ok(
    url: str, *, must_match: re.Pattern[str] | None = None, meaning: str = "", token: str | None = None
) -> Probe:
    def check() -> str | None:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                body = response.read().decode("utf-8", "replace")
        except (OSError, urllib.error.URLError) as exc:
            return str(exc)
        if must_match is not None and not must_match.search(body):
            return meaning or f"{must_match.pattern!r} not found"
        return None

    return Probe(f"GET {url}", check)


def probes_for(args: argparse.Namespace) -> list[Probe]:
    """What to check for a ``hotline`` process started with ``args`` (its parsed command line)."""
    if args.command == "sim":
        from node.settings import load_settings

        sim = load_settings(args.config).sim if args.config else load_settings().sim
        return [ami_banner(args.ami_host or sim.ami_host, args.ami_port)]
    if args.command == "serve":
        from node.settings import load_settings

        settings = load_settings(args.config) if args.config else load_settings()
        probes = [tcp_accepts("FastAGI", settings.agi.host, settings.agi.port)]
        if settings.api.listen:
            url = f"http://{_local(settings.api.host)}:{settings.api.port}/metrics"
            probes.append(
                http_ok(
                    url,
                    must_match=_AMI_CONNECTED,
                    meaning="the AMI session is not up",
                    token=settings.api.metrics_token,  # /metrics is behind it when it is set
                )
            )
        return probes
    if args.command == "demo" and args.web is not None:
        return [http_ok(f"http://{_local(args.web_host)}:{args.web}/agent")]
    return []


def hotline_argv(cmdline: list[str]) -> list[str] | None:
    """The arguments after the ``hotline`` program in a process's command line (``hotline sim …``,
    ``python -m cli.main sim …``, ``python /opt/venv/bin/hotline sim …``), or None."""
    for i, word in enumerate(cmdline):
        if Path(word).name == "hotline" or (word == "cli.main" and i > 0 and cmdline[i - 1] == "-m"):
            return cmdline[i + 1 :]
    return None


def _cmdline(pid: int, proc: Path = Path("/proc")) -> list[str]:
    raw = (proc / str(pid) / "cmdline").read_bytes()
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def find_hotline_process(proc: Path = Path("/proc")) -> tuple[int, list[str]] | None:
    """The oldest ``hotline`` process other than ``hotline health`` and this one."""
    mine = {os.getpid(), os.getppid()}
    pids = sorted(int(p.name) for p in proc.iterdir() if p.name.isdigit())
    for pid in pids:
        if pid in mine:
            continue
        try:
            argv = hotline_argv(_cmdline(pid, proc))
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if argv and "health" not in argv[:1]:
            return pid, argv
    return None


def _run(args: argparse.Namespace) -> int:
    from cli.main import build_parser, command_named

    found: tuple[int, list[str]] | None
    if args.pid is not None:
        try:
            argv = hotline_argv(_cmdline(args.pid))
        except OSError as exc:
            print(f"hotline health: process {args.pid}: {exc}", file=sys.stderr)
            return 1
        found = None if argv is None else (args.pid, argv)
    else:
        found = find_hotline_process()
    if found is None:
        print("hotline health: no hotline process to check here", file=sys.stderr)
        return 1
    pid, argv = found
    try:
        target = build_parser(command_named(argv)).parse_args(argv)
    except SystemExit:
        print(f"hotline health: cannot read the command line of process {pid}: {argv}", file=sys.stderr)
        return 1
    from node.settings import SettingsError

    try:
        probes = probes_for(target)
    except SettingsError as exc:
        print(f"hotline health: {exc}", file=sys.stderr)
        return 1
    if not probes:
        print(f"hotline health: `hotline {target.command}` (pid {pid}) serves nothing to probe; it runs")
        return 0
    failed = 0
    for probe in probes:
        problem = probe.check()
        print(f"ok   {probe.what}" if problem is None else f"FAIL {probe.what}: {problem}")
        failed += problem is not None
    return 1 if failed else 0
