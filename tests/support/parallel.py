"""How the suite runs on several pytest-xdist workers (``./run-tests`` passes ``-n N --dist
loadgroup``; ``-n 0`` or ``-p no:xdist`` runs it in one process, as before).

Most tests wait (simulated time, sockets, subprocesses), so several workers share the machine's
cores well; their databases, Redis key prefixes, ports, run folders and container names are their
own already.  What is not spread is the tests whose timing suffers from a busy machine or which
share one expensive thing: each such kind is an ``xdist_group`` (all its tests on one worker, one
after the other), see :func:`group_of`:

- ``real-asterisk``: the real Asterisk 22 (its ``asterisk`` runs, and the modules that start it);
- ``containers``: podman containers (``tests/docker``, the ``sim-container`` runs, ``containers``
  marker);
- ``browser``: Chromium, one browser for the session (``tests/browser``);
- ``faults``: outages and the soak (``tests/faults``), timed against the wall clock;
- ``bench``: the benchmarks, which measure latencies.

The groups run first (the longest one is the run's floor), the rest is spread test by test.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# modules that start the real Asterisk themselves (not through the ``pbx_kind`` parameter)
_STARTS_ASTERISK = ("real_asterisk(", "running_pbx(", "start.sh")
# the order the groups are handed out in: the longest first
GROUPS = ("containers", "faults", "real-asterisk", "browser", "bench")


@cache
def _module_text(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def _params(item: pytest.Item) -> tuple[object, ...]:
    callspec = getattr(item, "callspec", None)
    return tuple(callspec.params.values()) if callspec is not None else ()


def group_of(item: pytest.Item) -> str | None:
    """The ``xdist_group`` ``item`` runs in, or None: any worker."""
    path = item.nodeid.split("::", 1)[0]
    params = _params(item)
    if "sim-container" in params or path.startswith("tests/docker/") or item.get_closest_marker("containers"):
        return "containers"
    if path.startswith("tests/faults/"):
        return "faults"
    if "asterisk" in params:
        return "real-asterisk"
    if path.startswith("tests/browser/") or item.get_closest_marker("browser"):
        return "browser"
    if "bench" in Path(path).name or "soak" in Path(path).name:
        return "bench"
    text = _module_text(str(item.path))
    if "pbx_kind" not in getattr(item, "fixturenames", ()) and any(s in text for s in _STARTS_ASTERISK):
        return "real-asterisk"
    return None


def assign_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each item with its group and put the groups first, in :data:`GROUPS` order (a stable
    sort: within a group, and among the rest, the collection order stays)."""
    if not _distributed(config):
        return
    order = {name: i for i, name in enumerate(GROUPS)}
    groups: dict[str, str | None] = {}
    for item in items:
        group = group_of(item)
        groups[item.nodeid] = group
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda it: order.get(groups[it.nodeid] or "", len(GROUPS)))


def _distributed(config: pytest.Config) -> bool:
    """Whether this process is an xdist worker or runs xdist's controller (``-n`` above 0)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return True
    numprocesses: Sequence[object] | object = getattr(config.option, "numprocesses", None)
    return bool(numprocesses)
