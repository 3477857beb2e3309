"""The compare-and-set loop (acd.retry): moot steps, stored changes, conflicts, giving up."""

from __future__ import annotations

import pytest

from acd.errors import ConcurrentUpdate, DuplicateCall
from acd.retry import MAX_ATTEMPTS, Commit, Moot, compare_and_set
from acd.store import Change


class Commits:
    """A store's ``commit`` that refuses the first ``refusals`` changes."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.seen: list[Change] = []

    async def __call__(self, change: Change) -> bool:
        self.seen.append(change)
        return len(self.seen) > self.refusals


async def test_a_moot_step_writes_nothing_and_gives_its_result() -> None:
    commits = Commits(0)

    async def step() -> Commit[str] | Moot[str]:
        return Moot("stale")

    assert await compare_and_set(commits, step, conflict="x") == "stale"
    assert commits.seen == []


async def test_a_refused_change_is_recomputed_then_what_follows_runs_once() -> None:
    commits = Commits(2)
    steps: list[int] = []
    followed: list[int] = []

    async def step() -> Commit[int]:
        steps.append(len(steps))
        attempt = steps[-1]

        async def then() -> int:
            followed.append(attempt)
            return attempt

        return Commit(Change(), then)

    assert await compare_and_set(commits, step, conflict="x") == 2
    assert steps == [0, 1, 2]
    assert followed == [2]


async def test_on_conflict_runs_after_each_refusal_and_may_end_the_loop() -> None:
    commits = Commits(MAX_ATTEMPTS)
    checks = 0

    async def on_conflict() -> None:
        nonlocal checks
        checks += 1
        if checks == 3:
            raise DuplicateCall("callback-u1")

    async def then() -> None:
        raise AssertionError("never stored")

    async def step() -> Commit[None]:
        return Commit(Change(), then, on_conflict=on_conflict)

    with pytest.raises(DuplicateCall):
        await compare_and_set(commits, step, conflict="x")
    assert len(commits.seen) == 3


async def test_gives_up_after_max_attempts_with_the_callers_message() -> None:
    commits = Commits(MAX_ATTEMPTS)

    async def then() -> None:
        raise AssertionError("never stored")

    async def step() -> Commit[None]:
        return Commit(Change(), then)

    with pytest.raises(ConcurrentUpdate, match="call 'u1' kept changing"):
        await compare_and_set(commits, step, conflict="call 'u1' kept changing")
    assert len(commits.seen) == MAX_ATTEMPTS
