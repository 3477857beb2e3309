"""Inbound calls pre-aggregated per 15-minute interval, prefecture, skill and agent.

Conventions (docs/reports.md):

* Intervals are local time (Asia/Shanghai), 15 minutes, aligned on the quarter hour.
* **A call is counted in the interval of its arrival**, and so is everything about it: its wait,
  its talk, hold and wrap-up, its transfers and its rating.  A call that arrives at 23:58 and ends
  at 00:20 belongs wholly to the day it arrived.  (Agent state time is different: it is split at
  interval boundaries, see :mod:`reports.agent_time`.)
* Call-level counts (offered, answered, abandons, waits) go to the key of the queue the call
  entered and the first agent who answered; a call that never queued has skill ``""`` and
  agent ``""`` (:data:`NONE`).
* Leg counts (offers, handled, talk, hold, wrap-up, transfers, escalations) go to each leg's own
  skill and agent: a call transferred to a senior counts as handled once by each agent.
* A post-call rating goes to the last agent who answered.
* Service level needs "answered within T seconds"; T is chosen when reading, from
  :data:`SERVICE_LEVEL_BOUNDS_S`, because each bucket counts the answers within every bound.
  "Within" is inclusive: a wait of exactly 20.000 s is within 20 s (as Asterisk's queue
  ``servicelevel`` counts ``holdtime <= servicelevel``).
* A short abandon is a queue abandon after less than :data:`SHORT_ABANDON_S` seconds (strictly).

Changing a bound or the short-abandon threshold means rebuilding the cube from the raw rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from reports.cube import MAX, Cube, add, build
from reports.periods import Grain, floor
from reports.records import CallOutcome, CallRecord, Direction, Rating

__all__ = [
    "NONE",
    "SERVICE_LEVEL_BOUNDS_S",
    "SHORT_ABANDON_S",
    "CallCounters",
    "CallKey",
    "add_call",
    "build_call_cube",
    "call_contributions",
]

SERVICE_LEVEL_BOUNDS_S: tuple[int, ...] = (10, 15, 20, 30, 45, 60, 90, 120, 180, 300)
SHORT_ABANDON_S = 5
NONE = ""  # no skill (the call never queued), no agent (nobody answered)

_ZERO_BOUNDS = (0,) * len(SERVICE_LEVEL_BOUNDS_S)


@dataclass(frozen=True, slots=True, order=True)
class CallKey:
    start: datetime  # the interval's local start
    prefecture: str
    skill: str
    agent: str


@dataclass(frozen=True, slots=True)
class CallCounters:
    offered: int = 0  # inbound calls that arrived
    self_served: int = 0  # ended in the IVR, served
    abandoned_ivr: int = 0  # ended in the IVR, not served
    queued: int = 0  # entered an agent queue (转人工)
    answered: int = 0
    abandoned_queue: int = 0
    short_abandons: int = 0  # abandoned in queue after < SHORT_ABANDON_S
    answered_within: tuple[int, ...] = _ZERO_BOUNDS  # per SERVICE_LEVEL_BOUNDS_S, wait <= bound
    answer_wait_ms: int = 0  # queue entry to answer, answered calls
    abandon_wait_ms: int = 0  # queue entry to hang-up, abandoned calls
    max_wait_ms: int = field(default=0, metadata=MAX)  # longest queue wait, answered or abandoned
    offers: int = 0  # legs: each time the call rang an agent
    handled: int = 0  # legs an agent answered
    talk_ms: int = 0
    hold_ms: int = 0
    wrap_ms: int = 0
    transfers: int = 0
    escalations: int = 0
    rated_satisfied: int = 0
    rated_basically_satisfied: int = 0
    rated_unsatisfied: int = 0


_RATED = {
    Rating.SATISFIED: CallCounters(rated_satisfied=1),
    Rating.BASICALLY_SATISFIED: CallCounters(rated_basically_satisfied=1),
    Rating.UNSATISFIED: CallCounters(rated_unsatisfied=1),
}


def _call_level(record: CallRecord) -> CallCounters:
    o = record.outcome
    wait = record.queue_wait_ms
    if wait is None:
        return CallCounters(
            offered=1,
            self_served=int(o is CallOutcome.SELF_SERVED),
            abandoned_ivr=int(o is CallOutcome.ABANDONED_IN_IVR),
        )
    if o is CallOutcome.ANSWERED:
        within = tuple(int(wait <= bound * 1000) for bound in SERVICE_LEVEL_BOUNDS_S)
        return CallCounters(
            offered=1, queued=1, answered=1, answered_within=within, answer_wait_ms=wait, max_wait_ms=wait
        )
    return CallCounters(
        offered=1,
        queued=1,
        abandoned_queue=1,
        short_abandons=int(wait < SHORT_ABANDON_S * 1000),
        abandon_wait_ms=wait,
        max_wait_ms=wait,
    )


def call_contributions(record: CallRecord) -> Iterator[tuple[CallKey, CallCounters]]:
    """What one inbound call adds to the cube, key by key (nothing for an outbound call)."""
    if record.direction is not Direction.INBOUND:
        return
    start = floor(record.arrived_at, Grain.QUARTER_HOUR)
    p = record.prefecture
    yield CallKey(start, p, record.skill or NONE, record.agent or NONE), _call_level(record)
    for leg in record.legs:
        yield (
            CallKey(start, p, leg.skill, leg.agent),
            CallCounters(
                offers=1,
                handled=int(leg.answered),
                talk_ms=leg.talk_ms,
                hold_ms=leg.hold_ms,
                wrap_ms=leg.wrap_ms,
                transfers=int(leg.transferred),
                escalations=int(leg.escalated),
            ),
        )
    last = record.last_agent_leg
    if record.rating is not None and last is not None:  # a record checks that a rated call was answered
        yield CallKey(start, p, last.skill, last.agent), _RATED[record.rating]


def add_call(cube: Cube[CallKey, CallCounters], record: CallRecord) -> None:
    """Maintain the cube as a call ends."""
    for key, counters in call_contributions(record):
        add(cube, key, counters)


def build_call_cube(records: Iterable[CallRecord]) -> Cube[CallKey, CallCounters]:
    """Recompute the cube from the raw rows."""
    return build(c for record in records for c in call_contributions(record))
