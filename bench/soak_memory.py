"""What the node holds that grew with the calls: its containers, walked before and after.

The node and the simulator share the soak's process, so the process's RSS does not say whose
memory grew.  :class:`NodeHeld` walks everything reachable from the node object (through
attributes, dicts, lists, sets, deques, tuples and bound methods; not through modules,
functions, classes or the event loop) once when the traffic is warm and again after the drain,
when every call has ended, and reports each container that gained items in between, named by
its path from the node (``node.acd.wait._staffing._store._tallied``).  A per-call structure
that is never pruned shows up with about as many new items as there were calls; bounded ones
(a statement cache, the last 50 handle times) stop at their bound.  The walk takes about a second
for the node of the soak, so it runs by default; the garbage it makes (a path for every object)
raises the process's RSS once, by about 15 MB with 220 calls in progress, so the soak walks
halfway through its warm-up, before the window of its memory slope.
"""

from __future__ import annotations

import asyncio
import gc
import types
from dataclasses import dataclass
from typing import Any

__all__ = ["Grown", "NodeHeld", "walk"]

MIN_ITEMS = 20  # containers smaller than this are not followed for growth
NOT_FOLLOWED = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    asyncio.AbstractEventLoop,
)
ATOMS = (str, bytes, int, float, bool, type(None))


@dataclass(frozen=True)
class Grown:
    path: str
    kind: str
    before: int
    after: int


def walk(root: object, name: str = "node", skip: tuple[object, ...] = ()) -> dict[int, tuple[int, str, str]]:
    """The containers of at least ``MIN_ITEMS`` items reachable from ``root`` (not through ``skip``):
    id -> (items, path, kind)."""
    seen: set[int] = {id(s) for s in skip}
    found: dict[int, tuple[int, str, str]] = {}
    stack: list[tuple[object, str]] = [(root, name)]
    while stack:
        obj, path = stack.pop()
        if id(obj) in seen or isinstance(obj, NOT_FOLLOWED):
            continue
        seen.add(id(obj))
        size = _items(obj)
        if size is not None and size >= MIN_ITEMS:
            found[id(obj)] = (size, path, type(obj).__name__)
        names = _names(obj)
        for child in gc.get_referents(obj):
            if not isinstance(child, ATOMS) and id(child) not in seen:
                step = names.get(id(child), f">{type(child).__name__}")
                stack.append((child, path + step))
    return found


def _items(obj: object) -> int | None:
    if isinstance(obj, (dict, list, set, frozenset, tuple)) or type(obj).__name__ == "deque":
        return len(obj)  # type: ignore[arg-type]
    return None


def _names(obj: object) -> dict[int, str]:
    """How ``obj`` names its children: a dict's keys; an object's ``__dict__`` is ``.``."""
    if isinstance(obj, dict):
        return {id(v): f".{k}"[:60] if isinstance(k, str) else f"[{k!r}]"[:60] for k, v in obj.items()}
    attributes = getattr(obj, "__dict__", None)
    return {id(attributes): ""} if isinstance(attributes, dict) else {}


class NodeHeld:
    def __init__(self, node: object, skip: tuple[object, ...] = ()) -> None:
        self._node = node
        self._skip = skip  # the bench's own listeners, which the node holds
        self._before: dict[int, tuple[int, str, str]] | None = None

    def start(self) -> None:
        self._before = walk(self._node, skip=self._skip)

    @property
    def started(self) -> bool:
        return self._before is not None

    def report(self, calls_between: int, top: int = 15) -> dict[str, Any]:
        """The containers that gained items since :meth:`start` (most first)."""
        if self._before is None:
            return {}
        grown = []
        for key, (size, path, kind) in walk(self._node, skip=self._skip).items():
            before = self._before.get(key, (0, "", ""))[0]
            if size - before >= MIN_ITEMS:
                grown.append(Grown(path, kind, before, size))
        grown.sort(key=lambda g: g.before - g.after)
        return {
            "calls_between": calls_between,
            "grew": [f"{g.path} ({g.kind}): {g.before} -> {g.after}" for g in grown[:top]],
            "most_items_gained": grown[0].after - grown[0].before if grown else 0,
        }
