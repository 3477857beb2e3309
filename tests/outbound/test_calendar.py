"""Calling windows and Chinese working days, on the real 2025/2026 holidays and makeup days.

The day facts used below were read from chinese-calendar 1.11.0 (``get_holiday_detail``), which
follows the State Council's announcements: National Day 2025 is 1–8 October, with Sunday 28
September and Saturday 11 October worked; Spring Festival 2026 is 15–23 February, with Saturday 14
and Saturday 28 February worked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outbound.calendar import (
    SHANGHAI,
    CallingSchedule,
    DayKind,
    DayRule,
    HolidayCalendar,
    Window,
    YearSupplement,
)
from outbound.errors import CalendarUnavailable, ModelError, NoOpening


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    """A wall-clock time in Shanghai."""
    return datetime(year, month, day, hour, minute, second, us, tzinfo=SHANGHAI)


DEFAULT = CallingSchedule()


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2025, 10, 1), DayKind.PUBLIC_HOLIDAY),  # Wednesday, National Day
        (date(2025, 10, 4), DayKind.PUBLIC_HOLIDAY),  # Saturday inside the holiday
        (date(2025, 10, 9), DayKind.WORKDAY),  # Thursday after it
        (date(2025, 9, 28), DayKind.MAKEUP_WORKDAY),  # Sunday worked
        (date(2025, 10, 11), DayKind.MAKEUP_WORKDAY),  # Saturday worked
        (date(2025, 10, 12), DayKind.WEEKEND),  # an ordinary Sunday
        (date(2026, 2, 14), DayKind.MAKEUP_WORKDAY),
        (date(2026, 2, 17), DayKind.PUBLIC_HOLIDAY),  # Spring Festival
        (date(2026, 2, 28), DayKind.MAKEUP_WORKDAY),
        (date(2026, 12, 31), DayKind.WORKDAY),
    ],
)
def test_day_kinds_from_chinese_calendar(day: date, kind: DayKind) -> None:
    assert HolidayCalendar().day_kind(day) is kind


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (sh(2025, 10, 9, 8, 59, 59, 999999), False),
        (sh(2025, 10, 9, 9, 0, 0), True),  # the window opens at 09:00:00
        (sh(2025, 10, 9, 11, 59, 59, 999999), True),
        (sh(2025, 10, 9, 12, 0, 0), False),  # and is closed at 12:00:00
        (sh(2025, 10, 9, 13, 59, 59), False),
        (sh(2025, 10, 9, 14, 0, 0), True),
        (sh(2025, 10, 9, 19, 59, 59), True),
        (sh(2025, 10, 9, 20, 0, 0), False),
        (sh(2025, 10, 1, 10, 0), False),  # public holiday
        (sh(2025, 10, 4, 10, 0), False),  # holiday Saturday
        (sh(2025, 10, 11, 10, 0), True),  # makeup Saturday
        (sh(2025, 10, 12, 10, 0), False),  # ordinary Sunday
        (sh(2026, 2, 14, 15, 0), True),  # makeup Saturday before Spring Festival
        (sh(2026, 2, 17, 15, 0), False),
    ],
)
def test_default_schedule(at: datetime, allowed: bool) -> None:
    assert DEFAULT.may_call(at) is allowed


def test_times_in_other_zones_are_converted() -> None:
    assert DEFAULT.may_call(datetime(2025, 10, 9, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    assert not DEFAULT.may_call(datetime(2025, 10, 9, 0, 59, 59, tzinfo=UTC))
    assert not DEFAULT.may_call(datetime(2025, 10, 9, 12, 0, tzinfo=UTC))  # 20:00 in Shanghai


def test_naive_times_are_refused() -> None:
    with pytest.raises(ModelError, match="time zone"):
        DEFAULT.may_call(datetime(2025, 10, 9, 10, 0))
    with pytest.raises(ModelError, match="time zone"):
        DEFAULT.next_opening(datetime(2025, 10, 9, 10, 0))


@pytest.mark.parametrize(
    ("after", "opening"),
    [
        (sh(2025, 10, 9, 10, 30), sh(2025, 10, 9, 10, 30)),  # open now: itself
        (sh(2025, 10, 9, 12, 0), sh(2025, 10, 9, 14, 0)),  # lunch break
        (sh(2025, 10, 9, 6, 0), sh(2025, 10, 9, 9, 0)),
        (sh(2025, 9, 30, 20, 0), sh(2025, 10, 9, 9, 0)),  # across National Day
        (sh(2025, 9, 27, 10, 0), sh(2025, 9, 28, 9, 0)),  # Saturday → makeup Sunday
        (sh(2025, 10, 10, 20, 0), sh(2025, 10, 11, 9, 0)),  # Friday night → makeup Saturday
        (sh(2025, 10, 11, 20, 0), sh(2025, 10, 13, 9, 0)),  # skips the ordinary Sunday
        (sh(2026, 2, 14, 20, 0), sh(2026, 2, 24, 9, 0)),  # across Spring Festival
    ],
)
def test_next_opening(after: datetime, opening: datetime) -> None:
    assert DEFAULT.next_opening(after) == opening


def test_next_opening_of_a_utc_time_is_in_local_time() -> None:
    opening = DEFAULT.next_opening(datetime(2025, 10, 9, 4, 0, tzinfo=UTC))  # 12:00 local
    assert opening == sh(2025, 10, 9, 14, 0)
    assert opening.utcoffset() == timedelta(hours=8)


def test_a_campaign_may_call_on_weekends_but_not_holidays() -> None:
    weekends = CallingSchedule(days=DayRule.ALL_BUT_HOLIDAYS)
    assert weekends.may_call(sh(2025, 10, 12, 10, 0))
    assert not weekends.may_call(sh(2025, 10, 4, 10, 0))
    assert weekends.next_opening(sh(2025, 10, 11, 20, 0)) == sh(2025, 10, 12, 9, 0)


def test_every_day_ignores_the_calendar_but_not_the_windows() -> None:
    every = CallingSchedule(days=DayRule.EVERY_DAY)
    assert every.may_call(sh(2025, 10, 1, 10, 0))
    assert not every.may_call(sh(2025, 10, 1, 12, 0))
    assert every.may_call(sh(2030, 1, 1, 10, 0))  # no holiday data needed


def test_configured_windows() -> None:
    evening = CallingSchedule(windows=(Window(time(18, 30), time(21)), Window(time(8, 30), time(9))))
    assert evening.windows[0].start == time(8, 30)  # kept in order
    assert evening.may_call(sh(2025, 10, 9, 8, 30))
    assert not evening.may_call(sh(2025, 10, 9, 10, 0))
    assert evening.next_opening(sh(2025, 10, 9, 9, 0)) == sh(2025, 10, 9, 18, 30)


@pytest.mark.parametrize(
    "windows",
    [
        (),
        (Window(time(9), time(12)), Window(time(11), time(14))),
    ],
)
def test_bad_window_sets(windows: tuple[Window, ...]) -> None:
    with pytest.raises(ModelError):
        CallingSchedule(windows=windows)


def test_a_window_must_end_after_it_starts() -> None:
    with pytest.raises(ModelError, match="end after"):
        Window(time(12), time(12))


def test_unknown_year_raises_a_clear_error() -> None:
    with pytest.raises(CalendarUnavailable, match=r"2027 .*YearSupplement") as caught:
        DEFAULT.may_call(sh(2027, 1, 4, 10, 0))
    assert caught.value.year == 2027
    with pytest.raises(CalendarUnavailable):
        DEFAULT.next_opening(sh(2026, 12, 31, 20, 0))  # must know whether 1 January 2027 is off


def test_outside_every_window_needs_no_holiday_data() -> None:
    assert not DEFAULT.may_call(sh(2027, 1, 4, 21, 0))


def test_a_supplement_fills_an_unknown_year() -> None:
    # New Year's Day is a public holiday every year (国务院《全国年节及纪念日放假办法》).
    known = HolidayCalendar.with_supplements([YearSupplement(2027, frozenset({date(2027, 1, 1)}))])
    schedule = CallingSchedule(holidays=known)
    assert schedule.next_opening(sh(2026, 12, 31, 20, 0)) == sh(2027, 1, 4, 9, 0)  # Fri off, weekend


def test_a_supplement_overrides_the_library_for_its_year() -> None:
    corrected = YearSupplement(2025, frozenset({date(2025, 10, 9)}), frozenset({date(2025, 10, 12)}))
    schedule = CallingSchedule(holidays=HolidayCalendar((corrected,)))
    assert not schedule.may_call(sh(2025, 10, 9, 10, 0))
    assert schedule.may_call(sh(2025, 10, 12, 10, 0))
    assert not schedule.may_call(sh(2025, 10, 11, 10, 0))  # the library's makeup day is not in it


@pytest.mark.parametrize(
    ("holidays", "makeup", "message"),
    [
        ({date(2026, 1, 1)}, set(), "another year"),
        ({date(2027, 1, 1)}, {date(2027, 1, 1)}, "both"),
        (set(), {date(2027, 1, 6)}, "Saturday or Sunday"),  # a Wednesday
    ],
)
def test_bad_supplements(holidays: set[date], makeup: set[date], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        YearSupplement(2027, frozenset(holidays), frozenset(makeup))


def test_two_supplements_for_one_year() -> None:
    one = YearSupplement(2027, frozenset({date(2027, 1, 1)}))
    with pytest.raises(ModelError, match="same year"):
        HolidayCalendar((one, one))


def test_nothing_opens_when_no_day_is_allowed() -> None:
    # A year where every day is a holiday: nothing opens within the horizon.
    first = date(2027, 1, 1)
    everything = frozenset(first + timedelta(days=i) for i in range(365))
    closed = HolidayCalendar((YearSupplement(2027, everything), YearSupplement(2028, everything_2028())))
    with pytest.raises(NoOpening):
        CallingSchedule(holidays=closed).next_opening(sh(2027, 1, 1, 0, 0))


def everything_2028() -> frozenset[date]:
    return frozenset(date(2028, 1, 1) + timedelta(days=i) for i in range(366))


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(SHANGHAI)
)


@settings(max_examples=300, deadline=None)
@given(moments)
def test_next_opening_is_the_first_allowed_instant(after: datetime) -> None:
    opening = DEFAULT.next_opening(after)
    assert opening >= after
    assert DEFAULT.may_call(opening)
    if opening > after:
        just_before = opening - timedelta(microseconds=1)
        assert just_before < after or not DEFAULT.may_call(just_before)
        assert opening.time() in {w.start for w in DEFAULT.windows}
    if DEFAULT.may_call(after):
        assert opening == after
