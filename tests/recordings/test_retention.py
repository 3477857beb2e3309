from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from recordings.errors import PolicyError
from recordings.retention import (
    DEFAULT_RETENTION,
    RecordingFacts,
    RetentionPeriod,
    RetentionPolicy,
    parse_period,
    parse_policy,
    plan_deletions,
)


def rec(rid: str, category: str, started: datetime, held: bool = False) -> RecordingFacts:
    return RecordingFacts(rid, category, started, held)


def test_periods_count_calendar_months_and_fall_back_to_the_months_end() -> None:
    assert RetentionPeriod(months=6).deletable_from(date(2024, 1, 15)) == date(2024, 7, 15)
    assert RetentionPeriod(months=6).deletable_from(date(2024, 8, 31)) == date(2025, 2, 28)
    assert RetentionPeriod(years=2).deletable_from(date(2024, 2, 29)) == date(2026, 2, 28)
    assert RetentionPeriod(years=1, months=13, days=1).deletable_from(date(2023, 12, 31)) == date(2026, 2, 1)
    assert parse_period("1y6m") == RetentionPeriod(1, 6) and str(parse_period(" 90D ")) == "90d"
    for bad in ("", "6", "m6", "6w", "0m", "-1y"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_the_policy_deletes_exactly_what_is_due_and_the_dry_run_is_the_same_plan() -> None:
    recordings = [
        # 2024-01-14 16:30 UTC is 00:30 on the 15th in UTC+8: its day is the 15th
        rec("r1", "consultation", datetime(2024, 1, 14, 16, 30, tzinfo=UTC)),
        rec("r2", "consultation", datetime(2024, 1, 15, 16, 0, tzinfo=UTC)),  # the 16th
        rec("r3", "complaint", datetime(2022, 7, 14, 23, 0, tzinfo=UTC)),  # the 15th, kept 2 years
        rec("r4", "complaint", datetime(2022, 7, 15, 16, 0, tzinfo=UTC)),  # the 16th
        rec("r5", "fault", datetime(2023, 1, 1, tzinfo=UTC), held=True),
    ]
    plan = plan_deletions(recordings, DEFAULT_RETENTION, date(2024, 7, 15))
    assert [(e.recording.recording_id, e.deletable_from, str(e.period)) for e in plan.deletions] == [
        ("r3", date(2024, 7, 15), "2y"),
        ("r1", date(2024, 7, 15), "6m"),
    ]
    assert [e.recording.recording_id for e in plan.held] == ["r5"]
    assert plan == plan_deletions(list(reversed(recordings)), DEFAULT_RETENTION, date(2024, 7, 15))
    later = plan_deletions(recordings, DEFAULT_RETENTION, date(2024, 7, 16))
    assert [e.recording.recording_id for e in later.deletions] == ["r3", "r4", "r1", "r2"]
    assert plan_deletions(recordings, DEFAULT_RETENTION, date(2024, 7, 14)).deletions == (
        plan_deletions(recordings[2:3], DEFAULT_RETENTION, date(2024, 7, 14)).deletions
    )


def test_a_configured_policy_and_its_errors() -> None:
    policy = parse_policy({"default": "6m", "complaint": "2y", "fault": "1y"})
    assert policy == RetentionPolicy(
        RetentionPeriod(months=6), {"complaint": RetentionPeriod(2), "fault": RetentionPeriod(1)}
    )
    assert policy.period_for("suggestion") == RetentionPeriod(months=6)
    with pytest.raises(PolicyError) as caught:
        parse_policy({"complaint": "two years", "fault": 12})
    assert caught.value.problems == (
        "complaint: 'two years' is not a period like 2y, 6m, 90d or 1y6m",
        "fault: 12 is not text like 6m",
        "default: missing (the period for every other category)",
    )


def test_deleting_the_plan_leaves_nothing_more_to_delete_that_day() -> None:
    # r0…r23 start monthly from 2023-01-01 (r12 on 2024-01-13); every third is a complaint
    recordings = [
        rec(
            f"r{i}",
            "complaint" if i % 3 == 0 else "consultation",
            datetime(2023 + i // 12, 1 + i % 12, 1 + i, tzinfo=UTC),
        )
        for i in range(24)
    ] + [rec("held", "consultation", datetime(2022, 1, 1, tzinfo=UTC), held=True)]
    as_of = date(2024, 6, 30)
    plan = plan_deletions(recordings, DEFAULT_RETENTION, as_of)
    # consultations of 2023 (due by 2024-06-12); r12 is due only on 2024-07-13; complaints from 2025
    assert [e.recording.recording_id for e in plan.deletions] == [
        "r1",
        "r2",
        "r4",
        "r5",
        "r7",
        "r8",
        "r10",
        "r11",
    ]
    deleted = {e.recording.recording_id for e in plan.deletions}
    after = plan_deletions([r for r in recordings if r.recording_id not in deleted], DEFAULT_RETENTION, as_of)
    assert after.deletions == () and after.held == plan.held and len(plan.held) == 1
