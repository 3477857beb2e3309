"""When a campaign may call: daily calling windows on the right kind of days, in local time.

Days come from the Chinese public-holiday calendar (``chinese-calendar``): a **working day** is a
weekday that is not a public holiday, or a **makeup working day** (调休上班: a Saturday or Sunday
worked to bridge a holiday, e.g. Saturday 2025-10-11).  By default a campaign calls on working days
only — never on a public holiday nor on an ordinary weekend.  A campaign may widen that
(:class:`DayRule`).

Windows are **half-open**, ``[start, end)`` in local time: with the default 09:00–12:00, a call
may start at 09:00:00 and at 11:59:59.999999, not at 12:00:00.  The window governs when a dial
*starts*; a call started at 11:59 may go on past noon.

Years the library does not know raise :class:`~outbound.errors.CalendarUnavailable` (it knows
2004–2026 in version 1.11); we never guess a year's holidays.  A :class:`YearSupplement` — the
State Council's announcement for a year, keyed in by an operator — fills the gap, and also
overrides the library for its year.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped,unused-ignore]

from outbound.errors import CalendarUnavailable, ModelError, NoOpening

__all__ = [
    "DEFAULT_WINDOWS",
    "SHANGHAI",
    "CallingSchedule",
    "DayKind",
    "DayRule",
    "HolidayCalendar",
    "Window",
    "YearSupplement",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
_HORIZON_DAYS = 366


class DayKind(enum.StrEnum):
    WORKDAY = "workday"  # Monday–Friday, not a public holiday
    MAKEUP_WORKDAY = "makeup_workday"  # 调休: a weekend day worked
    WEEKEND = "weekend"  # an ordinary Saturday or Sunday
    PUBLIC_HOLIDAY = "public_holiday"  # including the weekend days inside a holiday


class DayRule(enum.StrEnum):
    """Which days a campaign calls on."""

    WORKING_DAYS = "working_days"  # weekdays and makeup working days, never holidays (default)
    ALL_BUT_HOLIDAYS = "all_but_holidays"  # also ordinary weekends
    EVERY_DAY = "every_day"  # no calendar (e.g. an emergency notice); windows still apply

    def allows(self, kind: DayKind) -> bool:
        if self is DayRule.EVERY_DAY:
            return True
        if self is DayRule.ALL_BUT_HOLIDAYS:
            return kind is not DayKind.PUBLIC_HOLIDAY
        return kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


@dataclass(frozen=True, slots=True)
class Window:
    """A daily calling window ``[start, end)`` in local time."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ModelError("window times are local wall-clock times, without a time zone")
        if not self.start < self.end:
            raise ModelError(f"a window must end after it starts: {self.start}–{self.end}")

    def __contains__(self, t: object) -> bool:
        return isinstance(t, time) and self.start <= t < self.end


DEFAULT_WINDOWS = (Window(time(9), time(12)), Window(time(14), time(20)))


@dataclass(frozen=True, slots=True)
class YearSupplement:
    """One year's public holidays and makeup working days, as the State Council announced them."""

    year: int
    public_holidays: frozenset[date]
    makeup_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        outside = sorted(d for d in self.public_holidays | self.makeup_workdays if d.year != self.year)
        if outside:
            raise ModelError(f"supplement for {self.year} lists days of another year: {outside[0]}")
        both = sorted(self.public_holidays & self.makeup_workdays)
        if both:
            raise ModelError(f"{both[0]} cannot be both a public holiday and a makeup working day")
        weekdays = sorted(d for d in self.makeup_workdays if d.weekday() < 5)
        if weekdays:
            raise ModelError(f"a makeup working day is a Saturday or Sunday; {weekdays[0]} is not")

    def day_kind(self, day: date) -> DayKind:
        if day in self.public_holidays:
            return DayKind.PUBLIC_HOLIDAY
        if day in self.makeup_workdays:
            return DayKind.MAKEUP_WORKDAY
        return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """Chinese public holidays: ``chinese-calendar``, overridden per year by supplements."""

    supplements: tuple[YearSupplement, ...] = ()

    def __post_init__(self) -> None:
        years = [s.year for s in self.supplements]
        if len(years) != len(set(years)):
            raise ModelError("two supplements for the same year")

    @classmethod
    def with_supplements(cls, supplements: Iterable[YearSupplement]) -> HolidayCalendar:
        return cls(tuple(supplements))

    def day_kind(self, day: date) -> DayKind:
        """The kind of ``day``; raises :class:`CalendarUnavailable` for a year nobody knows."""
        for supplement in self.supplements:
            if supplement.year == day.year:
                return supplement.day_kind(day)
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError as exc:
            raise CalendarUnavailable(day.year, str(exc)) from exc
        weekend = day.weekday() >= 5
        if not is_holiday:
            return DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY
        # The library calls every weekend a holiday; only named ones are public holidays.
        return DayKind.PUBLIC_HOLIDAY if name is not None else DayKind.WEEKEND


@dataclass(frozen=True, slots=True)
class CallingSchedule:
    """A campaign's calling windows, day rule, time zone and holiday data.

    ``may_call(at)`` and ``next_opening(after)`` take time-zone-aware datetimes (any zone; they
    are converted to ``tz``) and never read the clock.
    """

    windows: tuple[Window, ...] = DEFAULT_WINDOWS
    days: DayRule = DayRule.WORKING_DAYS
    tz: ZoneInfo = SHANGHAI
    holidays: HolidayCalendar = field(default_factory=HolidayCalendar)

    def __post_init__(self) -> None:
        if not self.windows:
            raise ModelError("a calling schedule needs at least one window")
        ordered = sorted(self.windows, key=lambda w: w.start)
        for before, after in itertools.pairwise(ordered):
            if after.start < before.end:
                raise ModelError(f"calling windows overlap: {before.start}–{before.end} and {after.start}")
        object.__setattr__(self, "windows", tuple(ordered))

    def day_allowed(self, day: date) -> bool:
        """Whether the day rule lets the campaign call on local date ``day``."""
        if self.days is DayRule.EVERY_DAY:
            return True
        return self.days.allows(self.holidays.day_kind(day))

    def may_call(self, at: datetime) -> bool:
        """Whether a call may start at ``at``."""
        local = _aware(at, "at").astimezone(self.tz)
        wall = local.time().replace(tzinfo=None)
        return any(wall in w for w in self.windows) and self.day_allowed(local.date())

    def next_opening(self, after: datetime) -> datetime:
        """The earliest instant at or after ``after`` at which a call may start.

        Returns ``after`` itself (in ``tz``) when calling is allowed then.  Raises
        :class:`NoOpening` if nothing opens within a year, :class:`CalendarUnavailable` if the
        search reaches a year without holiday data.
        """
        local = _aware(after, "after").astimezone(self.tz)
        day = local.date()
        for _ in range(_HORIZON_DAYS):
            if self.day_allowed(day):
                for w in self.windows:
                    opens = datetime.combine(day, w.start, tzinfo=self.tz)
                    closes = datetime.combine(day, w.end, tzinfo=self.tz)
                    if local < closes:
                        return max(opens, local)
            day += timedelta(days=1)
        raise NoOpening(local.isoformat(), _HORIZON_DAYS)

    def start_of_next_day(self, at: datetime) -> datetime:
        """Local midnight after ``at``: the earliest a contact called on ``at``'s date may be called again."""
        local = _aware(at, "at").astimezone(self.tz)
        return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=self.tz)

    def local_date(self, at: datetime) -> date:
        return _aware(at, "at").astimezone(self.tz).date()


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ModelError(f"{name} must carry a time zone, got the naive {value.isoformat()}")
    return value
