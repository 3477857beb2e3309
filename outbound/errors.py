"""What can go wrong in outbound, one class per kind, each with a stable ``error_id``.

Edges translate these once (an HTTP status with the ``error_id`` in the API, a message naming the
line in ``hotline campaign import``); the cores only raise them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CalendarUnavailable",
    "CsvImportError",
    "IllegalTransition",
    "InvalidNumber",
    "LineProblem",
    "ModelError",
    "NoOpening",
    "OutboundError",
]


class OutboundError(Exception):
    """Base of every outbound error."""

    error_id = "outbound-error"


class ModelError(OutboundError, ValueError):
    """A value (campaign, contact, policy, window, snapshot) was built from bad data."""

    error_id = "outbound-invalid-value"


class IllegalTransition(OutboundError):
    """A campaign or contact was asked to do something its state does not allow; nothing changed.

    ``subject`` names it, e.g. ``campaign 'c-7'`` or ``contact 13812345678``.
    """

    error_id = "outbound-illegal-transition"

    def __init__(self, subject: str, state: str, event: str) -> None:
        super().__init__(f"{subject} in state {state!r} cannot {event!r}")
        self.subject = subject
        self.state = state
        self.event = event


class InvalidNumber(OutboundError, ValueError):
    """A telephone number that is not a dialable Chinese number; ``reason`` says why."""

    error_id = "outbound-invalid-number"

    def __init__(self, number: str, reason: str) -> None:
        super().__init__(f"{number!r} is not a valid number: {reason}")
        self.number = number
        self.reason = reason


class CalendarUnavailable(OutboundError):
    """No public-holiday data for a year, so whether a day is a working day is unknown.

    We never guess: calling on an unannounced Spring Festival is worse than not calling.  The
    State Council announces each year's holidays and makeup working days (调休) around November
    of the year before; until ``chinese-calendar`` ships them, supply them as a
    :class:`outbound.calendar.YearSupplement`.
    """

    error_id = "outbound-calendar-unavailable"

    def __init__(self, year: int, detail: str) -> None:
        super().__init__(
            f"no public-holiday data for {year} ({detail}): upgrade chinese-calendar or supply "
            f"{year}'s public holidays and makeup working days as a YearSupplement"
        )
        self.year = year


class NoOpening(OutboundError):
    """The calling schedule does not open within the horizon searched."""

    error_id = "outbound-no-opening"

    def __init__(self, after: str, days: int) -> None:
        super().__init__(f"the calling schedule does not open within {days} days after {after}")


@dataclass(frozen=True, slots=True)
class LineProblem:
    """One bad line of an imported file: 1-based ``line`` (the header is line 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvImportError(OutboundError):
    """A contact file was rejected whole; ``problems`` lists every bad line found."""

    error_id = "outbound-csv-rejected"

    def __init__(self, problems: Sequence[LineProblem]) -> None:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"nothing imported, {len(problems)} bad line(s): {shown}{more}")
        self.problems = tuple(problems)
