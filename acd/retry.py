"""The ACD's compare-and-set loop, written once: read, compute a change, commit, recompute on conflict.

Every change to agents and calls is computed from freshly read versions and committed with
:meth:`acd.store.AcdStore.commit`, which refuses it when another task or node changed one of
those records first.  :func:`compare_and_set` runs a *step* — read the records, decide — up to
``MAX_ATTEMPTS`` times:

* the step returns :class:`Moot` when there is nothing to change (a stale event, a record gone):
  the loop ends with its result and nothing is written;
* it returns :class:`Commit` with the change and what follows once it is stored (events,
  telephony, routing), which gives the result;
* when the commit is refused, the commit's ``on_conflict`` check runs (it may raise) and the step
  is tried again from fresh reads.

After the last refused attempt :class:`~acd.errors.ConcurrentUpdate` is raised with the caller's
message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from acd.errors import ConcurrentUpdate
from acd.store import Change

__all__ = ["MAX_ATTEMPTS", "Commit", "Moot", "compare_and_set"]

MAX_ATTEMPTS = 10

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Moot(Generic[R]):
    """Nothing to change: the loop ends with ``result`` and writes nothing."""

    result: R


@dataclass(frozen=True, slots=True)
class Commit(Generic[R]):
    """Store ``change``; once stored, ``then()`` does what follows and gives the loop's result.

    ``on_conflict`` (if any) runs when the store refused the change, before the next attempt; it
    may raise to end the loop (e.g. the record this change would create now exists).
    """

    change: Change
    then: Callable[[], Awaitable[R]]
    on_conflict: Callable[[], Awaitable[None]] | None = None


async def compare_and_set(
    commit: Callable[[Change], Awaitable[bool]],
    step: Callable[[], Awaitable[Commit[R] | Moot[R]]],
    *,
    conflict: str,
    attempts: int = MAX_ATTEMPTS,
) -> R:
    """Run ``step`` and ``commit`` its change (the store's :meth:`~acd.store.AcdStore.commit`) until
    stored or moot; ``conflict`` is the message of the :class:`ConcurrentUpdate` raised when
    ``attempts`` commits were all refused."""
    for _ in range(attempts):
        planned = await step()
        if isinstance(planned, Moot):
            return planned.result
        if await commit(planned.change):
            return await planned.then()
        if planned.on_conflict is not None:
            await planned.on_conflict()
    raise ConcurrentUpdate(conflict)
