"""What happens to a contact after an attempt: try again when, or stop.

A :class:`RetryPolicy` holds one :class:`RetryRule` per outcome and a cap on attempts across all
outcomes.  After an attempt with outcome *o* that made the contact's ``n``-th attempt:

* *o* is retried when its rule says so, ``n`` < the rule's ``max_attempts`` and ``n`` < the
  policy's ``max_attempts``; else the contact gives up;
* the next attempt is at ``max(at + back-off, next calling-window opening)``, where the back-off
  is ``delay × factor^(n−1)`` (capped at ``max_delay``) and, when the phone may have rung (every
  outcome but a network failure or an invalid number), ``at`` is first moved to the next local
  midnight: at most one call per contact per day.

Defaults (:data:`DEFAULT_RULES`, policy cap 5 attempts):

==================== ======== ============================ ============
outcome              retried  back-off                     max attempts
==================== ======== ============================ ============
busy                 yes      1 day                        4
no answer            yes      1, 2, 4 … days               4
abandoned            yes      1 day                        3
hung up in script    yes      2 days                       2
failed (network)     yes      15 min, 30 min, 1 h …        5
completed            no       —                            —
invalid number       no       —                            —
do-not-call          no       —                            —
==================== ======== ============================ ============
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from outbound.calendar import CallingSchedule
from outbound.contact import Contact, ContactEvent, ContactStatus, contact_transition
from outbound.errors import ModelError
from outbound.outcomes import Outcome

__all__ = ["DEFAULT_RULES", "NO_RETRY", "RetryPolicy", "RetryRule", "after_attempt", "next_attempt_at"]


@dataclass(frozen=True, slots=True)
class RetryRule:
    retry: bool
    delay: timedelta = timedelta(0)
    factor: float = 1.0
    max_attempts: int = 1
    max_delay: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        if self.retry and (self.max_attempts < 2 or self.delay <= timedelta(0)):
            raise ModelError("a retried outcome needs a positive delay and at least 2 attempts")
        if self.factor < 1 or self.max_delay < self.delay:
            raise ModelError("the back-off factor must be ≥ 1 and max_delay ≥ delay")

    def delay_after(self, attempts: int) -> timedelta:
        """The back-off after the ``attempts``-th attempt."""
        if attempts < 1:
            raise ModelError("the back-off follows an attempt: attempts ≥ 1")
        seconds = self.delay.total_seconds() * self.factor ** (attempts - 1)
        return min(timedelta(seconds=seconds), self.max_delay)


NO_RETRY = RetryRule(retry=False)
_DAY = timedelta(days=1)

DEFAULT_RULES: Mapping[Outcome, RetryRule] = {
    Outcome.BUSY: RetryRule(True, _DAY, max_attempts=4),
    Outcome.NO_ANSWER: RetryRule(True, _DAY, factor=2, max_attempts=4),
    Outcome.ABANDONED: RetryRule(True, _DAY, max_attempts=3),
    Outcome.HUNG_UP_IN_SCRIPT: RetryRule(True, 2 * _DAY, max_attempts=2),
    Outcome.FAILED: RetryRule(True, timedelta(minutes=15), factor=2, max_attempts=5),
    Outcome.COMPLETED: NO_RETRY,
    Outcome.INVALID_NUMBER: NO_RETRY,
    Outcome.DNC_BLOCKED: NO_RETRY,
}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Rules per outcome (as ``(outcome, rule)`` pairs; build with :meth:`with_rules`)."""

    rules: tuple[tuple[Outcome, RetryRule], ...] = tuple(DEFAULT_RULES.items())
    max_attempts: int = 5

    def __post_init__(self) -> None:
        outcomes = [o for o, _ in self.rules]
        if set(outcomes) != set(Outcome) or len(outcomes) != len(Outcome):
            raise ModelError("a retry policy has exactly one rule per outcome")
        for outcome in (Outcome.COMPLETED, Outcome.INVALID_NUMBER, Outcome.DNC_BLOCKED):
            if self.rule(outcome).retry:
                raise ModelError(f"{outcome.value} is never retried")
        if self.max_attempts < 1:
            raise ModelError("a retry policy allows at least one attempt")

    @classmethod
    def with_rules(cls, overrides: Mapping[Outcome, RetryRule], max_attempts: int = 5) -> RetryPolicy:
        """The default rules with ``overrides`` replacing some."""
        merged = {**DEFAULT_RULES, **overrides}
        return cls(tuple((o, merged[o]) for o in Outcome), max_attempts)

    def rule(self, outcome: Outcome) -> RetryRule:
        return next(rule for o, rule in self.rules if o is outcome)

    def retries(self, outcome: Outcome, attempts: int) -> bool:
        """Whether a contact whose ``attempts``-th attempt ended with ``outcome`` is tried again."""
        rule = self.rule(outcome)
        return rule.retry and attempts < rule.max_attempts and attempts < self.max_attempts


def next_attempt_at(
    rule: RetryRule, outcome: Outcome, attempts: int, at: datetime, schedule: CallingSchedule
) -> datetime:
    """When the next attempt may be made, after the ``attempts``-th attempt ended at ``at``."""
    earliest = at + rule.delay_after(attempts)
    if outcome.may_have_rung:
        earliest = max(earliest, schedule.start_of_next_day(at))
    return schedule.next_opening(earliest)


_FINAL_EVENTS = {
    Outcome.COMPLETED: ContactEvent.COMPLETE,
    Outcome.INVALID_NUMBER: ContactEvent.REJECT_NUMBER,
    Outcome.DNC_BLOCKED: ContactEvent.BLOCK,
}


def after_attempt(
    contact: Contact, outcome: Outcome, at: datetime, policy: RetryPolicy, schedule: CallingSchedule
) -> Contact:
    """The contact after an attempt ended with ``outcome`` at ``at``.

    The contact is ``dialling`` (claimed); a do-not-call refusal may also come while it is
    ``pending``.  A refusal is not an attempt: ``attempts`` and ``last_attempt_at`` stay.
    """
    if outcome is Outcome.DNC_BLOCKED:
        blocked = contact_transition(contact, ContactEvent.BLOCK)
        return replace(blocked, last_outcome=outcome, next_attempt_at=None)
    if contact.status is not ContactStatus.DIALLING:
        raise ModelError(f"contact {contact.number} is {contact.status.value}, not dialling")
    attempts = contact.attempts + 1
    if outcome in _FINAL_EVENTS:
        event, when = _FINAL_EVENTS[outcome], None
    elif policy.retries(outcome, attempts):
        event = ContactEvent.RETRY
        when = next_attempt_at(policy.rule(outcome), outcome, attempts, at, schedule)
    else:
        event, when = ContactEvent.GIVE_UP, None
    moved = contact_transition(contact, event)
    return replace(moved, attempts=attempts, last_attempt_at=at, last_outcome=outcome, next_attempt_at=when)
