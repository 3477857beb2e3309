"""The centres' day: times are stored in UTC, but a week, a month or a retention date is counted in
the centres' time zone (China Standard Time, UTC+8, no daylight saving) unless told otherwise."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo

__all__ = ["CENTRE_TZ", "local_date"]

CENTRE_TZ = timezone(timedelta(hours=8), "UTC+8")


def local_date(at: datetime, tz: tzinfo = CENTRE_TZ) -> date:
    """The date ``at`` falls on in ``tz``; refuses a time without a time zone."""
    if at.tzinfo is None:
        raise ValueError(f"{at} has no time zone")
    return at.astimezone(tz).date()
