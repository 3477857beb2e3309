"""The QA package's errors, one base class so an edge can translate them once.

Errors about data someone wrote (a form file, a policy, the answers of a score) carry a list of
``problems``, each naming the item at fault, so one attempt shows everything to fix.
"""

from __future__ import annotations

from collections.abc import Sequence


class QaError(Exception):
    """Base of every error raised by :mod:`qa`."""


class _Problems(QaError):
    def __init__(self, subject: str, problems: Sequence[str]) -> None:
        self.subject = subject
        self.problems = tuple(problems)
        super().__init__(f"{subject}: " + "; ".join(self.problems))


class FormError(_Problems):
    """A scoring form file is not valid; each problem starts with the item's path, e.g.
    ``section 'opening' > criterion 'greeting': points must be a whole number ≥ 0``."""


class AnswerError(_Problems):
    """The answers of a score do not fit the form version they claim; each problem names a criterion."""


class PolicyError(_Problems):
    """A sampling policy is not valid; each problem names the key."""


class UnknownForm(QaError):
    def __init__(self, form_id: str, version: int | None) -> None:
        what = f"{form_id!r} version {version}" if version is not None else repr(form_id)
        super().__init__(f"no scoring form {what}")
        self.form_id = form_id
        self.version = version


class FormChanged(QaError):
    """A stored score names a form version whose content is no longer what it was scored with."""

    def __init__(self, form_id: str, version: int, recorded: str, current: str) -> None:
        super().__init__(
            f"scoring form {form_id!r} version {version} has changed since it was used "
            f"(fingerprint {recorded[:12]} when scored, {current[:12]} now): publish a new version instead"
        )
        self.form_id = form_id
        self.version = version


class IllegalMove(QaError):
    """A dispute or circular event not allowed from the current state (or by this actor)."""

    def __init__(self, what: str, state: str, event: str, why: str | None = None) -> None:
        message = f"{what}: cannot {event} while {state}"
        super().__init__(f"{message} ({why})" if why else message)
        self.what = what
        self.state = state
        self.event = event


class RecordMismatch(QaError):
    """A stored score does not give back what it recorded (malformed, or its total differs)."""

    def __init__(self, score_id: str, why: str) -> None:
        super().__init__(f"score {score_id}: {why}")
        self.score_id = score_id
