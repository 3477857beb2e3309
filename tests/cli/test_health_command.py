"""``hotline health`` (the image's HEALTHCHECK): which ``hotline`` process it checks, and what it
probes for each command -- against real servers: a running ``hotline sim``, a port nobody
listens on, a /metrics page with the AMI session up and down."""

from __future__ import annotations

import argparse
import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.commands.health import find_hotline_process, hotline_argv, probes_for
from cli.main import build_parser, main
from tests.support.ports import free_port
from tests.support.sim_process import REPO, SAMPLE_DIALPLAN


def parsed(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_the_hotline_arguments_are_found_in_a_command_line() -> None:
    assert hotline_argv(["/opt/venv/bin/python3", "/opt/venv/bin/hotline", "sim", "--ami-port", "5038"]) == [
        "sim",
        "--ami-port",
        "5038",
    ]
    assert hotline_argv(["python", "-m", "cli.main", "serve", "--config", "x.toml"]) == [
        "serve",
        "--config",
        "x.toml",
    ]
    assert hotline_argv(["hotline", "demo"]) == ["demo"]
    assert hotline_argv(["sh", "-c", "sleep 1"]) is None
    assert hotline_argv(["python", "cli.main"]) is None  # not run as a module


def test_the_oldest_hotline_process_other_than_health_is_the_one_checked(tmp_path: Path) -> None:
    for pid, argv in {
        "1": ["catatonit", "--", "hotline", "demo", "--web", "8080"],  # an init in front of it
        "7": ["/opt/venv/bin/python3", "/opt/venv/bin/hotline", "sim"],
        "30": ["/opt/venv/bin/python3", "/opt/venv/bin/hotline", "health"],
        "self": ["ignored"],
    }.items():
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    assert find_hotline_process(tmp_path) == (1, ["demo", "--web", "8080"])
    (tmp_path / "1" / "cmdline").write_bytes(b"catatonit\0--\0")
    assert find_hotline_process(tmp_path) == (7, ["sim"])
    (tmp_path / "7" / "cmdline").write_bytes(b"sleep\0infinity\0")
    assert find_hotline_process(tmp_path) is None


def test_what_each_command_is_checked_for() -> None:
    assert [p.what for p in probes_for(parsed("sim", "--ami-port", "15038"))] == ["AMI on 127.0.0.1:15038"]
    assert [p.what for p in probes_for(parsed("sim", "--ami-host", "10.1.2.3"))] == ["AMI on 10.1.2.3:5038"]
    assert [p.what for p in probes_for(parsed("demo", "--web", "8080", "--web-host", "0.0.0.0"))] == [
        "GET http://127.0.0.1:8080/agent"
    ]
    assert probes_for(parsed("demo")) == []
    assert probes_for(parsed("prompts", "build")) == []


def test_serve_is_checked_on_its_fastagi_port_and_its_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text('[agi]\nhost = "0.0.0.0"\nport = 14573\n[api]\nlisten = true\nport = 18080\n')
    assert [p.what for p in probes_for(parsed("serve", "--config", str(config)))] == [
        "FastAGI on 127.0.0.1:14573",
        "GET http://127.0.0.1:18080/metrics",
    ]
    monkeypatch.setenv("HOTLINE_API__LISTEN", "false")
    assert [p.what for p in probes_for(parsed("serve", "--config", str(config)))] == [
        "FastAGI on 127.0.0.1:14573"
    ]


@pytest.fixture
def metrics_page() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server answering /metrics with the body in the returned list (first item)."""
    body = ['hotline_ami_connected{server="127.0.0.1:5038"} 1.0\n']

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = body[0].encode()
            self.send_response(200 if self.path == "/metrics" else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], body
    finally:
        server.shutdown()
        server.server_close()


def test_the_metrics_probe_wants_the_ami_session_up(
    metrics_page: tuple[int, list[str]], tmp_path: Path
) -> None:
    port, body = metrics_page
    agi = free_port()
    config = tmp_path / "hotline.toml"
    config.write_text(f"[agi]\nport = {agi}\n[api]\nlisten = true\nport = {port}\n")
    fastagi, metrics = probes_for(parsed("serve", "--config", str(config)))
    assert metrics.check() is None
    body[0] = 'hotline_ami_connected{server="127.0.0.1:5038"} 0.0\n'
    assert metrics.check() == "the AMI session is not up"
    problem = fastagi.check()  # nothing listens on the FastAGI port
    assert problem is not None and "refused" in problem.lower()


def test_health_of_a_running_hotline_sim_and_of_one_that_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "cli.main", "sim", "--ami-port", str(port)]
    cmd += ["--dialplan", str(SAMPLE_DIALPLAN)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while main(["health", "--pid", str(proc.pid)]) != 0:
            assert time.monotonic() < deadline and proc.poll() is None, "hotline sim did not start"
            time.sleep(0.2)
        assert capsys.readouterr().out.splitlines()[-1] == f"ok   AMI on 127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
    assert main(["health", "--pid", str(proc.pid)]) == 1  # gone


def test_a_process_that_is_not_hotline_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        assert main(["health", "--pid", str(sleeper.pid)]) == 1
    finally:
        sleeper.kill()
        sleeper.wait()
    assert "no hotline process to check" in capsys.readouterr().err


def test_a_health_check_imports_only_its_own_command() -> None:
    """The image's HEALTHCHECK runs ``hotline health`` every 10 s with a 5 s limit: importing every
    part of the node for it took 3 s of CPU and 7 s on a loaded machine (the check then failed)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from cli.main import build_parser, command_named\n"
        "argv = ['--config', 'x.toml', 'health', '--pid', '1']\n"
        "assert command_named(argv) == 'health'\n"
        "build_parser(command_named(argv)).parse_args(argv)\n"
        "print(sorted(m for m in ('node.root', 'sqlalchemy', 'aiohttp', 'panoramisk') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
