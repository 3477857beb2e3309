"""Reporting periods in local time (Asia/Shanghai): 15 min, hour, day, ISO week, month, quarter, year.

A :class:`Period` is a grain and an aligned local start; its end is the next start (half-open
``[start, end)``).  :meth:`Period.previous` is the period before (环比: the March report compares
with February, Q1 with the previous year's Q4, ISO week 1 with the last week of the previous ISO
year) and :meth:`Period.year_ago` the same period one year earlier (同比).

Conventions (docs/reports.md):

* Weeks are ISO 8601 weeks, Monday first; week 1 is the week holding the year's first Thursday,
  so 2024-12-30 falls in week 1 of 2025.  The week a year earlier is the same week number of the
  previous ISO year; week 53 maps to week 52 when that year has only 52.
* A year before 29 February is 28 February (day, hour and 15-minute grains alike).
* China keeps no daylight saving time, so every local day has 24 hours; the code nevertheless
  does its arithmetic on local wall-clock fields, not on fixed offsets.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "Grain", "Period", "floor", "local", "parse_period"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Grain(enum.StrEnum):
    QUARTER_HOUR = "15min"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTHS_PER = {Grain.MONTH: 1, Grain.QUARTER: 3, Grain.YEAR: 12}
_FIXED = {
    Grain.QUARTER_HOUR: timedelta(minutes=15),
    Grain.HOUR: timedelta(hours=1),
    Grain.DAY: timedelta(days=1),
    Grain.WEEK: timedelta(weeks=1),
}


def local(at: datetime) -> datetime:
    """``at`` in Asia/Shanghai; a naive datetime is refused (its zone would be a guess)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: give a time zone")
    return at.astimezone(SHANGHAI)


def floor(at: datetime, grain: Grain) -> datetime:
    """The local start of the ``grain`` period holding ``at``."""
    t = local(at)
    if grain is Grain.QUARTER_HOUR:
        return t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)
    if grain is Grain.HOUR:
        return t.replace(minute=0, second=0, microsecond=0)
    day = datetime(t.year, t.month, t.day, tzinfo=SHANGHAI)
    if grain is Grain.DAY:
        return day
    if grain is Grain.WEEK:
        return _shift_days(day, -t.weekday())
    first_month = 1 if grain is Grain.YEAR else t.month - (t.month - 1) % _MONTHS_PER[grain]
    return datetime(t.year, first_month, 1, tzinfo=SHANGHAI)


def _shift_days(start: datetime, days: int) -> datetime:
    moved = start.date() + timedelta(days=days)
    return datetime.combine(moved, start.timetz())


def _shift(start: datetime, grain: Grain, steps: int) -> datetime:
    if grain in _MONTHS_PER:
        index = start.year * 12 + start.month - 1 + steps * _MONTHS_PER[grain]
        return start.replace(year=index // 12, month=index % 12 + 1)
    if grain in (Grain.DAY, Grain.WEEK):
        return _shift_days(start, steps * (7 if grain is Grain.WEEK else 1))
    # wall-clock arithmetic: an aware datetime plus a timedelta keeps its zone's wall clock
    return start + steps * _FIXED[grain]


def _year_before(start: datetime) -> datetime:
    if start.month == 2 and start.day == 29:
        return start.replace(year=start.year - 1, day=28)
    return start.replace(year=start.year - 1)


def _iso_weeks(iso_year: int) -> int:
    return date(iso_year, 12, 28).isocalendar().week


@dataclass(frozen=True, slots=True, order=True)
class Period:
    grain: Grain
    start: datetime

    def __post_init__(self) -> None:
        if local(self.start) != floor(self.start, self.grain) or self.start.tzinfo is not SHANGHAI:
            raise ValueError(f"{self.start.isoformat()} does not start a {self.grain} in Asia/Shanghai")

    @classmethod
    def containing(cls, grain: Grain, at: datetime) -> Period:
        return cls(grain, floor(at, grain))

    @classmethod
    def day(cls, year: int, month: int, day: int) -> Period:
        return cls(Grain.DAY, datetime(year, month, day, tzinfo=SHANGHAI))

    @classmethod
    def week(cls, iso_year: int, week: int) -> Period:
        monday = date.fromisocalendar(iso_year, week, 1)
        return cls(Grain.WEEK, datetime(monday.year, monday.month, monday.day, tzinfo=SHANGHAI))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(Grain.MONTH, datetime(year, month, 1, tzinfo=SHANGHAI))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter {quarter} is not 1–4")
        return cls(Grain.QUARTER, datetime(year, 3 * quarter - 2, 1, tzinfo=SHANGHAI))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(Grain.YEAR, datetime(year, 1, 1, tzinfo=SHANGHAI))

    @property
    def end(self) -> datetime:
        return _shift(self.start, self.grain, 1)

    def contains(self, at: datetime) -> bool:
        return self.start <= local(at) < self.end

    def previous(self) -> Period:
        """The period just before (环比)."""
        return Period(self.grain, _shift(self.start, self.grain, -1))

    def year_ago(self) -> Period:
        """The same period one year earlier (同比)."""
        if self.grain is Grain.WEEK:
            iso = self.start.isocalendar()
            return Period.week(iso.year - 1, min(iso.week, _iso_weeks(iso.year - 1)))
        return Period(self.grain, _year_before(self.start))

    def parts(self, grain: Grain) -> Iterator[Period]:
        """The ``grain`` periods that start inside this one, in order (a week's days, a day's hours)."""
        at = floor(self.start, grain)
        while at < self.end:
            if at >= self.start:
                yield Period(grain, at)
            at = _shift(at, grain, 1)

    @property
    def months(self) -> int | None:
        """How many calendar months the period spans (for monthly averages); None below a month."""
        return _MONTHS_PER.get(self.grain)

    @property
    def code(self) -> str:
        """The period as ``parse_period`` reads it: 2024-03-01, 2024-W09, 2024-03, 2024-Q1, 2024."""
        s = self.start
        if self.grain is Grain.WEEK:
            iso = s.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return {
            Grain.QUARTER_HOUR: f"{s:%Y-%m-%dT%H:%M}",
            Grain.HOUR: f"{s:%Y-%m-%dT%H:%M}",
            Grain.DAY: f"{s:%Y-%m-%d}",
            Grain.MONTH: f"{s:%Y-%m}",
            Grain.QUARTER: f"{s.year}-Q{(s.month + 2) // 3}",
            Grain.YEAR: f"{s.year}",
        }[self.grain]

    @property
    def label(self) -> str:
        """The Chinese label a statistician writes: 2024年3月, 2024年第1季度, 2025年第1周."""
        s = self.start
        if self.grain is Grain.WEEK:
            iso = s.isocalendar()
            return f"{iso.year}年第{iso.week}周"
        return {
            Grain.QUARTER_HOUR: f"{s.year}年{s.month}月{s.day}日 {s:%H:%M}",
            Grain.HOUR: f"{s.year}年{s.month}月{s.day}日 {s:%H:%M}",
            Grain.DAY: f"{s.year}年{s.month}月{s.day}日",
            Grain.MONTH: f"{s.year}年{s.month}月",
            Grain.QUARTER: f"{s.year}年第{(s.month + 2) // 3}季度",
            Grain.YEAR: f"{s.year}年",
        }[self.grain]

    def to_json(self) -> dict[str, str]:
        return {
            "grain": str(self.grain),
            "code": self.code,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


_PATTERNS: tuple[tuple[re.Pattern[str], Grain], ...] = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), Grain.DAY),
    (re.compile(r"(\d{4})-W(\d{2})"), Grain.WEEK),
    (re.compile(r"(\d{4})-(\d{2})"), Grain.MONTH),
    (re.compile(r"(\d{4})-Q(\d)"), Grain.QUARTER),
    (re.compile(r"(\d{4})"), Grain.YEAR),
)


def parse_period(text: str) -> Period:
    """``2024-03-05`` (day), ``2024-W09`` (ISO week), ``2024-03``, ``2024-Q1``, ``2024``."""
    for pattern, grain in _PATTERNS:
        match = pattern.fullmatch(text.strip())
        if match is None:
            continue
        n = [int(g) for g in match.groups()]
        try:
            if grain is Grain.DAY:
                return Period.day(n[0], n[1], n[2])
            if grain is Grain.WEEK:
                return Period.week(n[0], n[1])
            if grain is Grain.MONTH:
                return Period.month(n[0], n[1])
            return Period.quarter(n[0], n[1]) if grain is Grain.QUARTER else Period.year(n[0])
        except ValueError as e:
            raise ValueError(f"bad period {text!r}: {e}") from None
    raise ValueError(f"bad period {text!r}: expected 2024-03-05, 2024-W09, 2024-03, 2024-Q1 or 2024")
