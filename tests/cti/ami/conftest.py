"""Fixtures of the AMI tests: a fake manager server, and ``pbx``, a real one.

``pbx`` is what the end-to-end (``conformance``) tests run against: ``hotline sim`` started as
its own process or in its container, and the real Asterisk 22 (``../shared/asterisk``), all on the dialplan
``conf/extensions.sample.conf``; ``--pbx`` (see ``tests/conftest.py``) picks which.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from cti.ami import state as state_module
from cti.ami import written
from cti.ami.settings import AmiSettings
from tests.cti.ami.fake_ami import FakeAmi
from tests.support.pbx import parametrize_pbx_kind
from tests.support.real_asterisk import RealAsterisk, real_asterisk
from tests.support.sim_container import sim_container
from tests.support.sim_process import sim_process


@dataclass(frozen=True)
class Pbx:
    kind: str
    host: str
    port: int
    username: str
    secret: str
    asterisk: RealAsterisk | None = None  # the real one's CLI, when kind == "asterisk"

    def settings(self, **overrides: Any) -> AmiSettings:
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "secret": self.secret,
            "action_timeout_s": 5.0,
            "ping_interval_s": 1.0,
            "ping_timeout_s": 2.0,
            "reconnect_min_s": 0.05,
            "reconnect_max_s": 0.5,
        }
        return AmiSettings(**{**values, **overrides})


@contextmanager
def _start_pbx(kind: str) -> Iterator[Pbx]:
    if kind == "sim":
        with sim_process() as sim:
            yield Pbx(kind, sim.host, sim.ami_port, sim.username, sim.secret)
        return
    if kind == "sim-container":
        with sim_container() as contained:
            yield Pbx(kind, contained.host, contained.ami_port, contained.username, contained.secret)
        return
    if kind == "asterisk":
        with real_asterisk() as ast:
            ast.cli("core waitfullybooted")  # AMI is up before every module has loaded
            yield Pbx(kind, ast.host, ast.ami_port, ast.username, ast.secret, ast)
        return
    raise ValueError(f"unknown PBX kind {kind!r}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


@pytest.fixture(scope="module")
def pbx(pbx_kind: str) -> Iterator[Pbx]:
    with _start_pbx(pbx_kind) as started:
        yield started


@pytest.fixture
async def fake_ami() -> AsyncIterator[FakeAmi]:
    server = FakeAmi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def fast_settings(server: FakeAmi, **overrides: Any) -> AmiSettings:
    """Settings with short timers, for a client of ``server``."""
    values: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "secret": server.secret,
        "action_timeout_s": 2.0,
        "ping_interval_s": 5.0,
        "ping_timeout_s": 1.0,
        "reconnect_min_s": 0.02,
        "reconnect_max_s": 0.3,
    }
    return AmiSettings(**{**values, **overrides})


@pytest.fixture
def no_written_handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No handler written out (``cti.ami.written``) by an earlier test."""
    monkeypatch.setattr(state_module, "_WRITTEN", {})
    monkeypatch.setattr(written, "_SEEN", {})
    yield
