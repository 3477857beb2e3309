"""The workflow package's errors, one base class so an edge can translate them once."""

from __future__ import annotations

from collections.abc import Sequence


class WorkflowError(Exception):
    """Base of every error raised by :mod:`workflow`."""


class ConfigError(WorkflowError):
    """A departments file or a monitoring policy is not valid; each problem names the item."""

    def __init__(self, subject: str, problems: Sequence[str]) -> None:
        self.subject = subject
        self.problems = tuple(problems)
        super().__init__(f"{subject}: " + "; ".join(self.problems))


class UnknownDepartment(WorkflowError):
    def __init__(self, code: str) -> None:
        super().__init__(f"no department {code!r}")
        self.code = code


class IllegalMove(WorkflowError):
    """A department or reply action not allowed in the current state (or by this actor)."""

    def __init__(self, what: str, state: str, event: str, why: str | None = None) -> None:
        message = f"{what}: cannot {event} while {state}"
        super().__init__(f"{message} ({why})" if why else message)
        self.what = what
        self.state = state
        self.event = event
