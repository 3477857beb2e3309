"""环比 and 同比: a figure against the previous period and the same period a year earlier.

:func:`change` gives the absolute change and the relative change (a fraction: -0.23 is "下降23%");
the relative change is None when the base is zero or missing.  For a rate the absolute change is
in percentage points (0.0233 is "提升2.33个百分点", seed 002).

:func:`compared` builds a report for a period, the previous period and the year-ago period and
adds, for each chosen measure, the base values and both changes as columns, matching rows by
their dimension values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.periods import Period
from reports.report import Column, Kind, Report, Value, rounded

__all__ = ["Change", "change", "compared"]


@dataclass(frozen=True, slots=True)
class Change:
    current: float | None
    base: float | None
    absolute: float | None  # current - base
    percent: float | None  # (current - base) / base; None when the base is 0 or missing


def change(current: float | None, base: float | None) -> Change:
    if current is None or base is None:
        return Change(current, base, None, None)
    absolute = current - base
    return Change(current, base, absolute, absolute / base if base else None)


def _number(value: Value) -> float | None:
    if isinstance(value, str):
        raise ValueError(f"cannot compare the text {value!r}")
    return value


def compared(build: Callable[[Period], Report], period: Period, measures: Sequence[str]) -> Report:
    """The report for ``period`` with 环比 and 同比 columns for ``measures``.

    Rows are matched on their dimension values, so the report must not be broken down by
    interval (the intervals of two periods differ); a row missing from a base period has no base.
    """
    now, previous, year_ago = build(period), build(period.previous()), build(period.year_ago())
    if any(c.key == "interval" for c in now.dimensions):
        raise ValueError("a report broken down by interval cannot be compared row by row")
    dims = [c.key for c in now.dimensions]
    keys = [c.key for c in now.columns]
    for key in measures:
        if key not in keys or key in dims:
            raise ValueError(f"{now.name} has no measure {key!r}")

    def lookup(report: Report) -> dict[tuple[Value, ...], dict[str, Value]]:
        return {tuple(r[d] for d in dims): r for r in report.records()}

    bases = (("mom", "上期", "环比", lookup(previous)), ("yoy", "去年同期", "同比", lookup(year_ago)))
    columns = list(now.columns)
    by_key = {c.key: c for c in now.columns}
    for key in measures:
        col = by_key[key]
        for suffix, base_title, word, _ in bases:
            points = "(百分点)" if col.kind is Kind.PERCENT else ""
            columns += [
                Column(f"{key}_{suffix}_base", f"{base_title}{col.title}", col.kind),
                Column(f"{key}_{suffix}_change", f"{col.title}{word}增减{points}", col.kind),
                Column(f"{key}_{suffix}_pct", f"{col.title}{word}", Kind.PERCENT),
            ]
    rows = []
    for record in now.records():
        values = [record[k] for k in keys]
        ident = tuple(record[d] for d in dims)
        for key in measures:
            for _, _, _, base_rows in bases:
                base = base_rows.get(ident, {}).get(key)
                c = change(_number(record[key]), _number(base))
                values += [base, rounded(by_key[key].kind, c.absolute), rounded(Kind.PERCENT, c.percent)]
        rows.append(tuple(values))
    return Report(now.name, now.title, now.period, now.scope, tuple(columns), tuple(rows), now.notes)
