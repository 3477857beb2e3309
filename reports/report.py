"""A report: typed columns (dimensions, then measures) and rows of values, JSON-able as is.

Values are ``str`` (dimension values: codes, with :data:`~reports.cube.ALL` for a total), ``int``
(counts), ``float`` (rates as fractions, 0.9673 for 96.73 %; durations in seconds) or ``None``
(a rate whose base is zero).  Floats are rounded once, when the report is made (:func:`rounded`):
rates to 6 decimal places (0.0001 %), seconds to 3 (1 ms), other decimals to 4 — so the JSON,
the CSV and the XLSX (which keeps 15 significant digits, as Excel does) hold the same numbers.
Chinese titles and number formats travel with the columns, so the exports
(:mod:`reports.export`) need nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from reports.periods import Period

__all__ = [
    "DIMENSION_TITLES",
    "Column",
    "Kind",
    "Measure",
    "Report",
    "Value",
    "dimension",
    "rounded",
    "tabulate",
]

Value = str | int | float | None
R = TypeVar("R")


class Kind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"  # 0
    DECIMAL = "decimal"  # 0.00
    PERCENT = "percent"  # 0.00%, the value is a fraction
    SECONDS = "seconds"  # 0.0, the value is seconds (averages: ASA, AHT)
    DURATION = "duration"  # [h]:mm:ss, the value is seconds (totals: time in a state)


DIMENSION_TITLES: dict[str, str] = {
    "interval": "时段",
    "prefecture": "地市",
    "skill": "技能组",
    "agent": "话务员",
    "node": "IVR节点",
    "campaign": "外呼任务",
    "category": "类别",
    "severity": "严重程度",
    "channel": "越级渠道",
}


_DECIMAL_PLACES = {Kind.PERCENT: 6, Kind.SECONDS: 3, Kind.DURATION: 3, Kind.DECIMAL: 4}


def rounded(kind: Kind, value: Value) -> Value:
    """A measure's value as reports carry it: floats rounded for their kind, the rest as is."""
    if isinstance(value, float):
        return round(value, _DECIMAL_PLACES.get(kind, 6))
    return value


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str  # the Chinese header
    kind: Kind
    is_dimension: bool = False


def dimension(key: str) -> Column:
    return Column(key, DIMENSION_TITLES[key], Kind.TEXT, is_dimension=True)


@dataclass(frozen=True, slots=True)
class Measure(Generic[R]):
    """A measure column and how to compute it from a row's counters."""

    column: Column
    compute: Callable[[R], Value]


@dataclass(frozen=True, slots=True)
class Report:
    name: str  # traffic, agents, complaints, ivr, outbound
    title: str  # the sheet name a statistician expects: 话务量统计表, …
    period: Period
    scope: str  # a prefecture code, or ALL for the province
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    notes: tuple[str, ...] = ()  # conventions printed under the title: 服务水平: 20秒内接通, …

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"report {self.name}: duplicate column keys")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"report {self.name}: a row of {len(row)} values for {len(keys)} columns")

    @property
    def dimensions(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_dimension)

    def records(self) -> list[dict[str, Value]]:
        return [dict(zip((c.key for c in self.columns), row, strict=True)) for row in self.rows]

    def row(self, **dims: str) -> dict[str, Value]:
        """The one row whose dimension values are ``dims`` (KeyError if none)."""
        for record in self.records():
            if all(record[k] == v for k, v in dims.items()):
                return record
        raise KeyError(f"report {self.name}: no row {dims}")

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "period": self.period.to_json(),
            "scope": self.scope,
            "notes": list(self.notes),
            "columns": [
                {"key": c.key, "title": c.title, "kind": str(c.kind), "dimension": c.is_dimension}
                for c in self.columns
            ],
            "rows": self.records(),
        }


def tabulate(
    name: str,
    title: str,
    period: Period,
    scope: str,
    by: Sequence[str],
    rows: Sequence[tuple[tuple[str, ...], R]],
    measures: Sequence[Measure[R]],
    notes: Sequence[str] = (),
) -> Report:
    """A report from grouped rows: dimension values, then each measure computed on the row."""
    columns = tuple(dimension(d) for d in by) + tuple(m.column for m in measures)
    values = tuple(
        tuple(dims) + tuple(rounded(m.column.kind, m.compute(r)) for m in measures) for dims, r in rows
    )
    return Report(name, title, period, scope, columns, values, tuple(notes))
