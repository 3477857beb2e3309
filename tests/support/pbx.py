"""Which PBX kinds the conformance tests run against (``--pbx``, see ``tests/conftest.py``): ``sim``
(``hotline sim`` as a process), ``sim-container`` (``hotline sim`` in the application image, see
:mod:`tests.support.sim_container`) and ``asterisk`` (the real Asterisk 22)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.real_asterisk import RealAsterisk, real_asterisk
from tests.support.sim_container import sim_container
from tests.support.sim_process import SimProcess, sim_process

PBX_KINDS = ("sim", "sim-container", "asterisk")


def selected_pbx_kinds(config: pytest.Config) -> list[str]:
    wanted = config.getoption("--pbx", default=None)
    if not wanted:
        return list(PBX_KINDS)
    names = [w.strip() for w in str(wanted).split(",")]
    return [k for k in PBX_KINDS if k in names or "all" in names]


def parametrize_pbx_kind(metafunc: pytest.Metafunc) -> None:
    if "pbx_kind" in metafunc.fixturenames:
        metafunc.parametrize("pbx_kind", selected_pbx_kinds(metafunc.config), scope="module")


@contextmanager
def running_pbx(
    kind: str, *, extensions: Path, sim_sounds: Path | None = None
) -> Iterator[SimProcess | RealAsterisk]:
    """``hotline sim`` or the real Asterisk, both running ``extensions``; ``sim_sounds``: the
    simulator's sounds folder (the real one has its placeholder ``beep`` and ``digits/0-9``)."""
    if kind == "sim":
        with sim_process(dialplan=extensions, sounds_dir=sim_sounds) as sim:
            yield sim
    elif kind == "sim-container":
        with sim_container(dialplan=extensions, sounds_dir=sim_sounds) as contained:
            yield contained
    elif kind == "asterisk":
        with real_asterisk(extensions=extensions) as ast:
            ast.cli("core waitfullybooted")
            yield ast
    else:
        raise ValueError(f"unknown PBX kind {kind!r}")
