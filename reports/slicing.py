"""Cutting a cube for one report: a period, a scope, the dimensions to break down by.

``by`` names the row dimensions: ``interval`` (sub-periods of ``grain`` inside the period, by
their code: ``2024-03-01T09:15``, ``2024-03-01``, ``2024-W09``, …) and any key field
(``prefecture``, ``skill``, ``agent``, ``node``, …).  Rows:

* When every row dimension is ``interval`` or ``prefecture``, every combination is a row, zeros
  included: each sub-period, and each prefecture of ``prefectures`` (or the scope's one) —
  a prefecture with no calls shows zeros, never a missing row or a division error.
* Otherwise only the combinations that occur are rows.
* The total row (last) merges everything in scope: its dimensions are :data:`ALL`, except
  ``prefecture``, which is the scope (ALL for the province).  It is recomputed from the summed
  counters, so the province row equals the sum of the prefectures' rows for every count.  A
  one-prefecture scope broken down by prefecture alone has no separate total: its row is it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from reports.cube import ALL, Counters, Key, merge
from reports.periods import Grain, Period

__all__ = ["INTERVAL", "Slice"]

INTERVAL = "interval"
_ENUMERATED = frozenset({INTERVAL, "prefecture"})

K = TypeVar("K", bound=Key)
C = TypeVar("C", bound=Counters)
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Slice:
    period: Period
    scope: str = ALL  # a prefecture code, or ALL: the province
    by: tuple[str, ...] = ("prefecture",)
    grain: Grain = Grain.DAY  # of the interval dimension
    prefectures: tuple[str, ...] = ()  # every prefecture of the province, in report order

    def __post_init__(self) -> None:
        if len(set(self.by)) != len(self.by):
            raise ValueError(f"repeated dimension in {self.by}")
        if INTERVAL in self.by and list(self.period.parts(self.grain)) == []:
            raise ValueError(f"a {self.period.grain} has no {self.grain} intervals")

    def selects(self, key: Key) -> bool:
        in_scope = self.scope == ALL or key.prefecture == self.scope
        return in_scope and self.period.start <= key.start < self.period.end

    def dims(self, key: Key) -> tuple[str, ...]:
        return tuple(
            Period.containing(self.grain, key.start).code if d == INTERVAL else str(getattr(key, d))
            for d in self.by
        )

    @property
    def total_dims(self) -> tuple[str, ...]:
        return tuple(self.scope if d == "prefecture" else ALL for d in self.by)

    def group(self, cube: Mapping[K, C], zero: C) -> dict[tuple[str, ...], C]:
        """Counters per row, zero rows filled where the dimensions are enumerable."""
        self._check_dimensions(cube)
        rows: dict[tuple[str, ...], C] = {}
        if set(self.by) <= _ENUMERATED:
            rows = dict.fromkeys(itertools.product(*(self._values(d) for d in self.by)), zero)
        for key, counters in cube.items():
            if self.selects(key):
                dims = self.dims(key)
                held = rows.get(dims)
                rows[dims] = counters if held is None else merge(held, counters)
        return rows

    def total(self, cube: Mapping[K, C], zero: C) -> C:
        out = zero
        for key, counters in cube.items():
            if self.selects(key):
                out = merge(out, counters)
        return out

    def table(self, cube: Mapping[K, C], zero: C) -> list[tuple[tuple[str, ...], C]]:
        """The report's rows in order, the total row last (alone when there is no breakdown)."""
        grouped = self.group(cube, zero) if self.by else {}
        rows = [(dims, grouped[dims]) for dims in self.ordered(grouped)]
        return self.with_total(rows, self.total(cube, zero))

    def with_total(self, rows: list[tuple[tuple[str, ...], R]], total: R) -> list[tuple[tuple[str, ...], R]]:
        """``rows`` and the total row after them, unless a row already is the total (a one-prefecture
        scope broken down by prefecture only)."""
        if any(dims == self.total_dims for dims, _ in rows):
            return rows
        return [*rows, (self.total_dims, total)]

    def ordered(self, dims: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
        """Rows in report order: intervals in time, prefectures as listed, the rest by code."""
        rank = {p: i for i, p in enumerate(self.prefectures)}

        def sort_key(row: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
            return tuple(
                (rank.get(v, len(rank)), v) if d == "prefecture" else (0, v)
                for d, v in zip(self.by, row, strict=True)
            )

        return sorted(set(dims), key=sort_key)

    def _check_dimensions(self, cube: Mapping[K, C]) -> None:
        key = next(iter(cube), None)
        if key is None:
            return
        unknown = [d for d in self.by if d != INTERVAL and d not in key.__dataclass_fields__]
        if unknown:
            raise ValueError(f"{type(key).__name__} has no dimension {', '.join(unknown)}")

    def _values(self, dimension: str) -> Sequence[str]:
        if dimension == INTERVAL:
            return [p.code for p in self.period.parts(self.grain)]
        return [self.scope] if self.scope != ALL else list(self.prefectures)
