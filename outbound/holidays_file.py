"""The operator's holiday file: years of public holidays and makeup working days (调休) that the
holiday library does not know yet, e.g. ``[outbound] holidays_file = "/etc/hotline/holidays.yaml"``::

    2027:
      public_holidays:
        - 2027-01-01
        - 2027-02-06..2027-02-13     # a range, both ends included
      makeup_workdays:
        - 2027-02-14

A year in the file overrides the library for that whole year (:class:`outbound.calendar.YearSupplement`).
A broken file is refused whole, naming the year and the entry.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from outbound.calendar import HolidayCalendar, YearSupplement
from outbound.errors import ModelError

__all__ = ["load_holidays", "parse_holidays"]

_KEYS = frozenset({"public_holidays", "makeup_workdays"})


def load_holidays(path: Path | None) -> HolidayCalendar:
    """The calendar with the file's years (the library alone when ``path`` is None)."""
    if path is None:
        return HolidayCalendar()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"holidays file {path}: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)  # every scalar a string: we read the dates
    except yaml.YAMLError as exc:
        raise ModelError(f"holidays file {path}: not YAML ({exc})") from exc
    return HolidayCalendar.with_supplements(parse_holidays(data, str(path)))


def parse_holidays(data: Any, source: str = "holidays") -> list[YearSupplement]:
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ModelError(f"{source}: expected years as keys")
    supplements = []
    for key, body in data.items():
        year = int(key) if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else 0
        if not 2000 <= year <= 2100:
            raise ModelError(f"{source}: {key!r} is not a year")
        if not isinstance(body, dict) or not set(body) <= _KEYS:
            raise ModelError(f"{source}: {year} needs public_holidays and makeup_workdays lists only")
        holidays = _days(body.get("public_holidays") or [], f"{source}: {year} public_holidays")
        makeup = _days(body.get("makeup_workdays") or [], f"{source}: {year} makeup_workdays")
        try:
            supplements.append(YearSupplement(year, frozenset(holidays), frozenset(makeup)))
        except ModelError as exc:
            raise ModelError(f"{source}: {exc}") from exc
    return supplements


def _days(entries: Any, where: str) -> list[date]:
    if not isinstance(entries, list):
        raise ModelError(f"{where}: expected a list")
    days: list[date] = []
    for entry in entries:
        if isinstance(entry, date):
            days.append(entry)
            continue
        text = str(entry).strip()
        first, sep, last = text.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if sep else start
        except ValueError:
            raise ModelError(f"{where}: {text!r} is not a date or a date..date range") from None
        if end < start:
            raise ModelError(f"{where}: range {text!r} ends before it starts")
        days.extend(start + timedelta(days=i) for i in range((end - start).days + 1))
    return days
