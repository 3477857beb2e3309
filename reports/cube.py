"""Pre-aggregated counters and the cubes that hold them: exact, associative, commutative roll-ups.

A *cube* maps a key (a frozen dataclass with at least ``start``, the local start of a 15-minute
interval or a day, and ``prefecture``) to *counters* (a frozen dataclass of whole numbers).  Every
counter field is merged by addition, except fields marked :data:`MAX` (merged by ``max``) and
tuples (added element by element).  Integers added in any order give the same result, so:

* building incrementally (one call at a time, as calls end) equals building from all the rows;
* 15-minute buckets roll up to an hour, day, week, month, quarter or year exactly;
* prefectures roll up to the province exactly.

Rates are never stored: they are recomputed from the rolled-up counts (:mod:`reports.kpis`).
A dimension rolled up takes the value :data:`ALL`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import Field, fields, replace
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Protocol, TypeVar

from reports.periods import Grain, floor

__all__ = ["ALL", "MAX", "Counters", "Cube", "Key", "add", "build", "merge", "merge_cubes", "roll_up"]

ALL = "*"  # the value of a rolled-up dimension (the whole province, every skill, every agent)
MAX: Mapping[str, str] = {"merge": "max"}  # field metadata: merge by max instead of sum


class Counters(Protocol):
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]


class Key(Protocol):
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def start(self) -> datetime: ...

    @property
    def prefecture(self) -> str: ...


C = TypeVar("C", bound=Counters)
K = TypeVar("K", bound=Key)
Cube = dict[K, C]


@cache
def _plan(cls: type) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.metadata.get("merge", "sum")) for f in fields(cls))


def merge(a: C, b: C) -> C:
    """Field by field: sums, maxima for :data:`MAX` fields, element-wise sums for tuples."""
    if type(a) is not type(b):
        raise TypeError(f"cannot merge {type(a).__name__} with {type(b).__name__}")
    changes: dict[str, object] = {}
    for name, how in _plan(type(a)):
        x, y = getattr(a, name), getattr(b, name)
        if how == "max":
            changes[name] = max(x, y)
        elif isinstance(x, tuple):
            if len(x) != len(y):
                raise ValueError(f"{name}: {len(x)} against {len(y)} elements")
            changes[name] = tuple(p + q for p, q in zip(x, y, strict=True))
        else:
            changes[name] = x + y
    return replace(a, **changes)


def add(cube: dict[K, C], key: K, counters: C) -> None:
    """Add ``counters`` into ``cube`` under ``key`` (the one mutation: maintaining a cube in place)."""
    held = cube.get(key)
    cube[key] = counters if held is None else merge(held, counters)


def build(contributions: Iterable[tuple[K, C]]) -> dict[K, C]:
    """A cube from (key, counters) contributions, in any order."""
    cube: dict[K, C] = {}
    for key, counters in contributions:
        add(cube, key, counters)
    return cube


def merge_cubes(*cubes: Mapping[K, C]) -> dict[K, C]:
    return build((key, counters) for cube in cubes for key, counters in cube.items())


def roll_up(
    cube: Mapping[K, C],
    grain: Grain | None = None,
    drop: Collection[str] = (),
    where: Callable[[K], bool] | None = None,
) -> dict[K, C]:
    """Coarser buckets: ``start`` floored to ``grain`` (kept when None) and each ``drop`` dimension set
    to :data:`ALL` (``drop=("prefecture",)`` gives the province); ``where`` keeps only some keys."""
    if "start" in drop:
        raise ValueError("the interval start cannot be dropped; roll it up with a grain")
    changes = dict.fromkeys(drop, ALL)
    out: dict[K, C] = {}
    for key, counters in cube.items():
        if where is not None and not where(key):
            continue
        start = key.start if grain is None else floor(key.start, grain)
        add(out, replace(key, start=start, **changes), counters)
    return out
