"""How the suite runs on several pytest-xdist workers (``./run-tests`` passes ``-n N --dist
loadgroup``; ``-n 0`` or ``-p no:xdist`` runs it in one process, as before).

Most tests wait (simulated time, sockets, subprocesses), so several workers share the machine's
cores well; their databases, Redis key prefixes, ports, run folders and container names are their
own already.  What is not spread is the tests whose timing suffers from a busy machine or which
share one expensive thing: each such kind is a group whose tests run on one worker, one after
the other (see :func:`group_of`):

- ``real-asterisk``: the real Asterisk 22 (the ``asterisk`` runs of the conformance tests, and
  the modules that start it themselves);
- ``containers``: podman containers (``tests/docker``, the ``sim-container`` runs);
- ``browser``: Chromium, one browser for the session (``tests/browser``);
- ``faults``: outages and the soak (``tests/faults``), timed against the wall clock;
- ``bench``: the benchmarks, which measure latencies.

The groups are decided from the test ids alone, by the controller's scheduler
(:class:`GroupScheduling`, installed by ``tests/conftest.py`` for ``--dist loadgroup``): xdist's
own ``xdist_group`` marks do not reach the scheduler with pytest 9.2 (xdist 3.8 renames
``item._nodeid``, which pytest no longer reads).  Groups go out first, the largest first; the
rest is handed out test by test.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

REPO = Path(__file__).resolve().parents[2]
# a module that starts the real Asterisk itself (not through the ``pbx_kind`` parameter)
_STARTS_ASTERISK = re.compile(r"(?<!\w)(real_asterisk|running_pbx)\(|start\.sh")


@cache
def _module_text(path: str) -> str:
    try:
        return (REPO / path).read_text(errors="replace")
    except OSError:
        return ""


def _param_words(nodeid: str) -> tuple[str, str]:
    """The parameter id of ``nodeid`` (``[...]``), with the separators around it."""
    name = nodeid.split("::")[-1]
    return ("-" + name[name.index("[") + 1 : -1] + "-") if "[" in name else "", name


def group_of(nodeid: str) -> str | None:
    """The group of the test ``nodeid``, or None: any worker."""
    path = nodeid.split("::", 1)[0]
    params, _ = _param_words(nodeid)
    if "-sim-container-" in params or path.startswith("tests/docker/"):
        return "containers"
    if path.startswith("tests/faults/"):
        return "faults"
    if "-asterisk-" in params:
        return "real-asterisk"
    if path.startswith("tests/browser/"):
        return "browser"
    if "bench" in Path(path).name or "soak" in Path(path).name:
        return "bench"
    text = _module_text(path)
    if "pbx_kind" not in text and _STARTS_ASTERISK.search(text):
        return "real-asterisk"
    return None


class GroupScheduling(LoadScopeScheduling):
    """xdist's scope scheduling with :func:`group_of`'s groups as the scopes (a test of no
    group is a scope of its own)."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid) or nodeid
