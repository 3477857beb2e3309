"""Place in line: segment first, then waiting time, without starvation.

A call's priority at time *t* is ``head_start(segment) + (t - enqueued_at)``: every segment
starts with a head start in seconds (VIP and private line large, normal 0) and then *every*
call's priority rises by one per second of waiting, at the same rate.  Because the rate is the
same for all, the order between two calls never changes while they wait, so the whole order is
captured by one number fixed at enqueue time, the **score** (lower is served first)::

    score = enqueued_at - head_start(segment)

This is what the stores keep in their sorted indexes; nothing has to be re-sorted as time
passes.

**Starvation bound.**  Let ``H = max(head_start) - head_start(own segment)``.  A call is never
overtaken by a call that entered the queue more than ``H`` seconds after it.  So an ordinary
call waits at most for the calls already queued when it arrived plus those arriving in the next
``H`` seconds (with the defaults: 300 s of VIP arrivals), never indefinitely; after waiting
``H`` seconds it ranks above every newly arriving call of any segment.

A routing rule may add its own head start (``head_start_s`` in the rules file, e.g. emergencies:
a lost phone to suspend), counted once at enqueue like the segment's; the starvation bound then
grows by the largest rule head start.

Two things lower a score on purpose and are the only exceptions: a call whose offered agent did
not answer goes back to the *head* of its skill's queue (``requeue_score``), and an escalated
call keeps the score of its first entry.  A callback request keeps its call's score, so it
never jumps the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from acd.errors import RulesError
from acd.model import Segment

__all__ = ["HEAD_EPSILON_S", "PriorityPolicy", "requeue_score"]

# how far in front of the current head a requeued call is put
HEAD_EPSILON_S = 0.001

_DEFAULT_HEAD_START: dict[Segment, float] = {
    Segment.NORMAL: 0.0,
    Segment.VIP: 300.0,
    Segment.PRIVATE_LINE: 300.0,
}


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    head_start_s: Mapping[Segment, float] = field(default_factory=lambda: dict(_DEFAULT_HEAD_START))

    def __post_init__(self) -> None:
        for segment in Segment:
            value = self.head_start_s.get(segment)
            if value is None:
                raise RulesError(f"priority: no head start for segment {segment.value!r}")
            if value < 0:
                raise RulesError(f"priority: head start for {segment.value!r} is negative ({value})")

    def score(self, segment: Segment, enqueued_at: float) -> float:
        """The fixed sort key of a call entering the queue at ``enqueued_at`` (lower first)."""
        return enqueued_at - self.head_start_s[segment]

    def priority(self, segment: Segment, enqueued_at: float, now: float) -> float:
        """The priority value at ``now`` (higher first); for display and tests of the bound."""
        return self.head_start_s[segment] + (now - enqueued_at)

    def starvation_bound_s(self, segment: Segment) -> float:
        """No call entering more than this many seconds later is served before a ``segment`` call."""
        return max(self.head_start_s.values()) - self.head_start_s[segment]


def requeue_score(own: float, head: float | None) -> float:
    """Score of a call going back to the head of its queue whose current head has ``head``."""
    if head is None or own < head:
        return own
    return head - HEAD_EPSILON_S
