from datetime import UTC, datetime, timedelta

import pytest

from reports.comparison import change
from reports.periods import SHANGHAI, Grain, Period, floor, parse_period

from .dataset import at


def test_floor_works_in_local_time_whatever_zone_the_time_is_given_in() -> None:
    utc = datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)  # 2024-03-01 07:59:59 in Shanghai
    assert floor(utc, Grain.DAY) == datetime(2024, 3, 1, tzinfo=SHANGHAI)
    assert floor(utc, Grain.QUARTER_HOUR) == datetime(2024, 3, 1, 7, 45, tzinfo=SHANGHAI)
    assert floor(utc, Grain.MONTH) == datetime(2024, 3, 1, tzinfo=SHANGHAI)
    assert floor(utc, Grain.QUARTER) == datetime(2024, 1, 1, tzinfo=SHANGHAI)
    assert floor(at("2024-03-01T09:14:59.999"), Grain.QUARTER_HOUR) == at("2024-03-01T09:00:00")
    assert floor(at("2024-03-01T09:15:00"), Grain.QUARTER_HOUR) == at("2024-03-01T09:15:00")


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        floor(datetime(2024, 3, 1), Grain.DAY)


def test_iso_weeks_start_on_monday_and_week_one_can_start_in_december() -> None:
    assert Period.containing(Grain.WEEK, at("2024-12-31T12:00:00")) == Period.week(2025, 1)
    assert Period.week(2025, 1).start == at("2024-12-30T00:00:00")
    assert Period.week(2025, 1).code == "2025-W01"
    assert Period.week(2025, 1).label == "2025年第1周"
    # 环比 of week 1 is the last week of the previous ISO year
    assert Period.week(2025, 1).previous() == Period.week(2024, 52)
    # 同比 of week 53 maps to week 52 when the year before has only 52
    assert Period.week(2020, 53).year_ago() == Period.week(2019, 52)
    assert Period.week(2021, 10).year_ago() == Period.week(2020, 10)


def test_month_previous_and_ends_follow_the_calendar() -> None:
    march = Period.month(2024, 3)
    assert march.previous() == Period.month(2024, 2)  # 环比 of March is February
    assert march.previous().end == march.start
    assert march.previous().end - march.previous().start == timedelta(days=29)  # leap February
    assert Period.month(2023, 3).previous().end - Period.month(2023, 2).start == timedelta(days=28)
    assert Period.month(2024, 1).previous() == Period.month(2023, 12)
    assert Period.month(2024, 12).end == at("2025-01-01T00:00:00")
    assert march.year_ago() == Period.month(2023, 3)


def test_leap_day_a_year_ago_is_the_28th() -> None:
    assert Period.day(2024, 2, 29).year_ago() == Period.day(2023, 2, 28)
    assert Period.day(2024, 3, 1).previous() == Period.day(2024, 2, 29)
    hour = Period.containing(Grain.HOUR, at("2024-02-29T10:30:00"))
    assert hour.year_ago().start == at("2023-02-28T10:00:00")


def test_quarters_and_years() -> None:
    q1 = Period.quarter(2024, 1)
    assert q1.previous() == Period.quarter(2023, 4)
    assert q1.year_ago() == Period.quarter(2023, 1)
    assert q1.end == at("2024-04-01T00:00:00")
    assert q1.months == 3 and Period.year(2024).months == 12 and Period.day(2024, 1, 1).months is None
    assert Period.year(2024).previous() == Period.year(2023)
    assert q1.label == "2024年第1季度"


def test_a_week_spanning_a_month_end_holds_days_of_both_months() -> None:
    week = Period.week(2024, 5)
    days = [p.code for p in week.parts(Grain.DAY)]
    assert days == [
        "2024-01-29",
        "2024-01-30",
        "2024-01-31",
        "2024-02-01",
        "2024-02-02",
        "2024-02-03",
        "2024-02-04",
    ]
    assert len(list(Period.day(2024, 3, 1).parts(Grain.QUARTER_HOUR))) == 96
    assert [p.code for p in Period.quarter(2024, 1).parts(Grain.MONTH)] == ["2024-01", "2024-02", "2024-03"]


def test_periods_parse_from_their_code() -> None:
    for p in (
        Period.day(2024, 2, 29),
        Period.week(2025, 1),
        Period.month(2024, 3),
        Period.quarter(2024, 4),
        Period.year(2024),
    ):
        assert parse_period(p.code) == p
    for bad in ("2024-13", "2024-Q5", "2024-W54", "march", "2023-02-29"):
        with pytest.raises(ValueError, match="bad period"):
            parse_period(bad)


def test_a_period_must_start_on_its_boundary() -> None:
    with pytest.raises(ValueError, match="does not start"):
        Period(Grain.MONTH, at("2024-03-02T00:00:00"))
    with pytest.raises(ValueError, match="does not start"):
        Period(Grain.DAY, datetime(2024, 3, 1, tzinfo=UTC))  # UTC midnight is 08:00 local


def test_change_matches_the_seed_figures() -> None:
    # seed 002: 千人抱怨率 2.74 against 3.56 last year, "同比下降23%"
    assert change(2.74, 3.56).percent == pytest.approx(-0.2303, abs=1e-4)
    # 抱怨量 31295 against 38228, "同比下降18%"
    assert change(31295, 38228).percent == pytest.approx(-0.1814, abs=1e-4)
    # 一次性解决率 94.4 % to 96.73 %: "提升2.33个百分点" is the absolute change of a rate
    assert change(0.9673, 0.944).absolute == pytest.approx(0.0233)
    zero_base = change(5, 0)
    assert zero_base.absolute == 5 and zero_base.percent is None
    assert change(None, 3).absolute is None
