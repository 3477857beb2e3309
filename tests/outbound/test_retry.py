"""Retries per outcome, on the real 2025 calendar (National Day 1–8 October, Saturday 11 October
worked); times are Shanghai wall-clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outbound.calendar import SHANGHAI, CallingSchedule
from outbound.contact import Contact, ContactStatus
from outbound.errors import IllegalTransition, ModelError
from outbound.outcomes import Outcome
from outbound.retry import DEFAULT_RULES, NO_RETRY, RetryPolicy, RetryRule, after_attempt

SCHEDULE = CallingSchedule()
POLICY = RetryPolicy()


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def dialling(attempts: int = 0) -> Contact:
    return Contact(
        "13812345678", "李四", "株洲", "T-1", attempts=attempts, status=ContactStatus.DIALLING, version=1
    )


def attempt(outcome: Outcome, at: datetime, attempts: int = 0, policy: RetryPolicy = POLICY) -> Contact:
    return after_attempt(dialling(attempts), outcome, at, policy, SCHEDULE)


@pytest.mark.parametrize(
    ("outcome", "at", "attempts", "next_at"),
    [
        # busy Thursday 10:00 → back-off 1 day → Friday 10:00
        (Outcome.BUSY, sh(10, 9, 10), 0, sh(10, 10, 10)),
        # no answer Friday 19:30 → 1 day → Saturday 19:30, a makeup working day
        (Outcome.NO_ANSWER, sh(10, 10, 19, 30), 0, sh(10, 11, 19, 30)),
        # second no answer: 2 days → Monday 19:30
        (Outcome.NO_ANSWER, sh(10, 11, 19, 30), 1, sh(10, 13, 19, 30)),
        # third: 4 days → Friday 17 19:30
        (Outcome.NO_ANSWER, sh(10, 13, 19, 30), 2, sh(10, 17, 19, 30)),
        # busy the evening before National Day → 1 October 19:00 is a holiday → 9 October 09:00
        (Outcome.BUSY, sh(9, 30, 19), 0, sh(10, 9, 9)),
        # abandoned → next day same time
        (Outcome.ABANDONED, sh(10, 9, 15), 0, sh(10, 10, 15)),
        # hung up in the script → 2 days: Thursday → Saturday 11 (worked)
        (Outcome.HUNG_UP_IN_SCRIPT, sh(10, 9, 11), 0, sh(10, 11, 11)),
        # network failure: the phone never rang, same day allowed: 11:50 + 15 min → lunch → 14:00
        (Outcome.FAILED, sh(10, 9, 11, 50), 0, sh(10, 9, 14)),
        # second failure: 30 min
        (Outcome.FAILED, sh(10, 9, 14), 1, sh(10, 9, 14, 30)),
    ],
)
def test_next_attempt(outcome: Outcome, at: datetime, attempts: int, next_at: datetime) -> None:
    after = attempt(outcome, at, attempts)
    assert after.status is ContactStatus.PENDING
    assert (after.attempts, after.last_attempt_at, after.last_outcome) == (attempts + 1, at, outcome)
    assert after.next_attempt_at == next_at
    assert after.version == 2


def test_a_short_back_off_still_waits_for_the_next_day() -> None:
    quick = RetryPolicy.with_rules({Outcome.BUSY: RetryRule(True, timedelta(minutes=10), max_attempts=3)})
    assert attempt(Outcome.BUSY, sh(10, 9, 10), policy=quick).next_attempt_at == sh(10, 10, 9)


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (Outcome.COMPLETED, ContactStatus.COMPLETED),
        (Outcome.INVALID_NUMBER, ContactStatus.INVALID_NUMBER),
        (Outcome.DNC_BLOCKED, ContactStatus.DO_NOT_CALL),
    ],
)
def test_final_outcomes(outcome: Outcome, status: ContactStatus) -> None:
    after = attempt(outcome, sh(10, 9, 10), attempts=1)
    assert after.status is status
    assert after.next_attempt_at is None


def test_a_do_not_call_refusal_is_not_an_attempt() -> None:
    pending = replace(dialling(1), status=ContactStatus.PENDING)
    after = after_attempt(pending, Outcome.DNC_BLOCKED, sh(10, 9, 10), POLICY, SCHEDULE)
    assert (after.status, after.attempts, after.last_attempt_at) == (ContactStatus.DO_NOT_CALL, 1, None)
    assert after.last_outcome is Outcome.DNC_BLOCKED


@pytest.mark.parametrize(
    ("outcome", "last_retried_attempt"),
    [
        (Outcome.BUSY, 3),
        (Outcome.NO_ANSWER, 3),
        (Outcome.ABANDONED, 2),
        (Outcome.HUNG_UP_IN_SCRIPT, 1),
        (Outcome.FAILED, 4),
    ],
)
def test_gives_up_at_the_rule_maximum(outcome: Outcome, last_retried_attempt: int) -> None:
    assert attempt(outcome, sh(10, 9, 10), last_retried_attempt - 1).status is ContactStatus.PENDING
    gave_up = attempt(outcome, sh(10, 9, 10), last_retried_attempt)
    assert (gave_up.status, gave_up.attempts) == (ContactStatus.GAVE_UP, last_retried_attempt + 1)
    assert gave_up.next_attempt_at is None


def test_the_policy_cap_applies_across_outcomes() -> None:
    two = RetryPolicy(max_attempts=2)
    assert attempt(Outcome.BUSY, sh(10, 9, 10), 0, two).status is ContactStatus.PENDING
    assert attempt(Outcome.FAILED, sh(10, 9, 10), 1, two).status is ContactStatus.GAVE_UP


def test_only_a_dialling_contact_takes_an_outcome() -> None:
    pending = replace(dialling(), status=ContactStatus.PENDING)
    with pytest.raises(ModelError, match="not dialling"):
        after_attempt(pending, Outcome.BUSY, sh(10, 9, 10), POLICY, SCHEDULE)
    completed = replace(dialling(), status=ContactStatus.COMPLETED)
    with pytest.raises(IllegalTransition):
        after_attempt(completed, Outcome.DNC_BLOCKED, sh(10, 9, 10), POLICY, SCHEDULE)


def test_back_off_grows_and_is_capped() -> None:
    rule = RetryRule(True, timedelta(days=1), factor=2, max_attempts=9, max_delay=timedelta(days=5))
    assert [rule.delay_after(n).days for n in range(1, 6)] == [1, 2, 4, 5, 5]
    with pytest.raises(ModelError):
        rule.delay_after(0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"retry": True, "delay": timedelta(0), "max_attempts": 3},
        {"retry": True, "delay": timedelta(hours=1), "max_attempts": 1},
        {"retry": True, "delay": timedelta(hours=1), "max_attempts": 3, "factor": 0.5},
        {"retry": True, "delay": timedelta(days=9), "max_attempts": 3},  # over max_delay
    ],
)
def test_bad_rules(kwargs: dict[str, object]) -> None:
    with pytest.raises(ModelError):
        RetryRule(**kwargs)  # type: ignore[arg-type]


def test_bad_policies() -> None:
    with pytest.raises(ModelError, match="one rule per outcome"):
        RetryPolicy(rules=((Outcome.BUSY, NO_RETRY),))
    with pytest.raises(ModelError, match="never retried"):
        RetryPolicy.with_rules({Outcome.COMPLETED: RetryRule(True, timedelta(days=1), max_attempts=2)})
    with pytest.raises(ModelError, match="at least one attempt"):
        RetryPolicy(max_attempts=0)


def test_overrides_keep_the_other_defaults() -> None:
    policy = RetryPolicy.with_rules({Outcome.BUSY: NO_RETRY}, max_attempts=3)
    assert policy.rule(Outcome.BUSY) is NO_RETRY
    assert policy.rule(Outcome.NO_ANSWER) == DEFAULT_RULES[Outcome.NO_ANSWER]
    assert policy.max_attempts == 3


retried = st.sampled_from(
    [Outcome.BUSY, Outcome.NO_ANSWER, Outcome.ABANDONED, Outcome.HUNG_UP_IN_SCRIPT, Outcome.FAILED]
)
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 15), timezones=st.just(SHANGHAI)
)


@settings(max_examples=200, deadline=None)
@given(retried, moments, st.integers(min_value=0, max_value=3))
def test_a_retry_respects_back_off_window_and_once_a_day(
    outcome: Outcome, at: datetime, attempts: int
) -> None:
    after = attempt(outcome, at, attempts)
    if after.status is ContactStatus.GAVE_UP:
        assert not POLICY.retries(outcome, attempts + 1)
        return
    assert after.next_attempt_at is not None
    assert after.next_attempt_at >= at + POLICY.rule(outcome).delay_after(attempts + 1)
    assert SCHEDULE.may_call(after.next_attempt_at)
    if outcome.may_have_rung:
        assert SCHEDULE.local_date(after.next_attempt_at) > SCHEDULE.local_date(at)
