"""The two shapes every KPI takes: a share of counts, and an average duration."""

from __future__ import annotations

__all__ = ["mean_seconds", "rate", "seconds"]


def rate(part: int, whole: int | None) -> float | None:
    """``part / whole``; None when the whole is zero or unknown (no division error, no fake 0 %)."""
    return None if not whole else part / whole


def mean_seconds(total_ms: int, count: int) -> float | None:
    """Average in seconds of ``count`` durations totalling ``total_ms``; None when there are none."""
    return None if not count else total_ms / count / 1000


def seconds(ms: int) -> float:
    return ms / 1000
