"""How long recordings are kept, per category, and which are due for deletion as of a date.

A policy maps a recording category (``complaint``, ``fault``, …: what the call was about) to a
period; any other category gets the ``default``.  Configuration: ``{default: 6m, complaint: 2y}``,
periods written ``2y``, ``6m``, ``90d`` or combined (``1y6m``).

A recording started on day D (in the centres' time zone) with a period P may be deleted from day
D + P on: started 2024-01-15 and kept 6 months, it is still there on 2024-07-14 and due on
2024-07-15.  Months are calendar months, a day past the month's end falling back to its last day
(2024-08-31 + 6 months = 2025-02-28).

:func:`plan_deletions` is both the dry run and the job: the scheduled job deletes exactly
``plan.deletions`` and the dry-run report prints the same plan.  A recording on hold (a pending
dispute, an auditor's hold) is never deleted; it is listed in ``plan.held`` instead.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from recordings.errors import PolicyError

__all__ = [
    "CENTRES_TZ",
    "DEFAULT_RETENTION",
    "Expiry",
    "RecordingFacts",
    "RetentionPeriod",
    "RetentionPlan",
    "RetentionPolicy",
    "parse_period",
    "parse_policy",
    "plan_deletions",
]

# the centres count days in China Standard Time (``[recordings] timezone`` may say otherwise)
CENTRES_TZ = ZoneInfo("Asia/Shanghai")
_PERIOD = re.compile(r"(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?")


@dataclass(frozen=True, slots=True)
class RetentionPeriod:
    years: int = 0
    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if min(self.years, self.months, self.days) < 0 or not (self.years or self.months or self.days):
            raise ValueError("a retention period is positive")

    def deletable_from(self, started: date) -> date:
        """The first day a recording started on ``started`` may be deleted."""
        months = started.month - 1 + self.months + 12 * self.years
        year, month = started.year + months // 12, months % 12 + 1
        day = min(started.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(days=self.days)

    def __str__(self) -> str:
        return "".join(
            f"{n}{unit}" for n, unit in ((self.years, "y"), (self.months, "m"), (self.days, "d")) if n
        )


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    default: RetentionPeriod
    by_category: Mapping[str, RetentionPeriod] = field(default_factory=dict)

    def period_for(self, category: str) -> RetentionPeriod:
        return self.by_category.get(category, self.default)


DEFAULT_RETENTION = RetentionPolicy(
    default=RetentionPeriod(months=6), by_category={"complaint": RetentionPeriod(years=2)}
)


@dataclass(frozen=True, slots=True)
class RecordingFacts:
    recording_id: str
    category: str
    started_at: datetime
    held: bool = False


@dataclass(frozen=True, slots=True)
class Expiry:
    recording: RecordingFacts
    period: RetentionPeriod
    deletable_from: date


@dataclass(frozen=True, slots=True)
class RetentionPlan:
    as_of: date
    deletions: tuple[Expiry, ...]  # oldest first
    held: tuple[Expiry, ...]  # expired, kept because on hold


def parse_period(text: str) -> RetentionPeriod:
    """``2y``, ``6m``, ``90d``, ``1y6m``; raises ``ValueError``."""
    match = _PERIOD.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a period like 2y, 6m, 90d or 1y6m")
    years, months, days = (int(g) if g else 0 for g in match.groups())
    return RetentionPeriod(years, months, days)


def parse_policy(data: Mapping[str, object]) -> RetentionPolicy:
    """A policy from configuration (``default`` required); :class:`PolicyError` names each bad key."""
    problems: list[str] = []
    periods: dict[str, RetentionPeriod] = {}
    for key, value in data.items():
        try:
            if not isinstance(value, str):
                raise ValueError(f"{value!r} is not text like 6m")
            periods[str(key)] = parse_period(value)
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    if "default" not in data:
        problems.append("default: missing (the period for every other category)")
    if problems:
        raise PolicyError("retention policy", problems)
    default = periods.pop("default")
    return RetentionPolicy(default, periods)


def plan_deletions(
    recordings: Iterable[RecordingFacts], policy: RetentionPolicy, as_of: date, tz: tzinfo = CENTRES_TZ
) -> RetentionPlan:
    """Which recordings are due for deletion on ``as_of``: the dry run and the job's list alike."""
    expired: list[Expiry] = []
    for recording in recordings:
        period = policy.period_for(recording.category)
        if recording.started_at.tzinfo is None:
            raise ValueError(f"recording {recording.recording_id}: {recording.started_at} has no time zone")
        deletable_from = period.deletable_from(recording.started_at.astimezone(tz).date())
        if as_of >= deletable_from:
            expired.append(Expiry(recording, period, deletable_from))
    expired.sort(key=lambda e: (e.recording.started_at, e.recording.recording_id))
    return RetentionPlan(
        as_of,
        deletions=tuple(e for e in expired if not e.recording.held),
        held=tuple(e for e in expired if e.recording.held),
    )
