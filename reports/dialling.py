"""Outbound calls (回访 callbacks, 欠费催缴 collection, …) per 15-minute interval, prefecture,
campaign and agent.

Each outbound call record is one attempt, counted in the interval dialling started.  Attempts
no agent answered (no answer, busy, unreachable, dialer abandon) have agent ``""``.  A promise
to pay is a contacted call whose disposition is :data:`PROMISE_TO_PAY`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from reports.cube import Cube, add, build
from reports.periods import Grain, floor
from reports.records import CallOutcome, CallRecord, Direction

__all__ = [
    "PROMISE_TO_PAY",
    "OutboundCounters",
    "OutboundKey",
    "add_outbound_call",
    "build_outbound_cube",
    "outbound_contributions",
]

PROMISE_TO_PAY = "promise_to_pay"


@dataclass(frozen=True, slots=True, order=True)
class OutboundKey:
    start: datetime
    prefecture: str
    campaign: str
    agent: str


@dataclass(frozen=True, slots=True)
class OutboundCounters:
    attempts: int = 0
    contacted: int = 0
    no_answer: int = 0
    busy: int = 0
    unreachable: int = 0
    dialer_abandoned: int = 0
    promises_to_pay: int = 0
    handle_ms: int = 0  # talk + hold + wrap-up of the agents' legs


def outbound_contributions(record: CallRecord) -> Iterator[tuple[OutboundKey, OutboundCounters]]:
    if record.direction is not Direction.OUTBOUND or record.campaign is None:
        return
    o = record.outcome
    contacted = o is CallOutcome.CONTACTED
    counters = OutboundCounters(
        attempts=1,
        contacted=int(contacted),
        no_answer=int(o is CallOutcome.NO_ANSWER),
        busy=int(o is CallOutcome.BUSY),
        unreachable=int(o is CallOutcome.UNREACHABLE),
        dialer_abandoned=int(o is CallOutcome.DIALER_ABANDONED),
        promises_to_pay=int(contacted and record.disposition == PROMISE_TO_PAY),
        handle_ms=sum(leg.handle_ms for leg in record.legs),
    )
    start = floor(record.arrived_at, Grain.QUARTER_HOUR)
    yield OutboundKey(start, record.prefecture, record.campaign, record.agent or ""), counters


def add_outbound_call(cube: Cube[OutboundKey, OutboundCounters], record: CallRecord) -> None:
    for key, counters in outbound_contributions(record):
        add(cube, key, counters)


def build_outbound_cube(records: Iterable[CallRecord]) -> Cube[OutboundKey, OutboundCounters]:
    return build(c for record in records for c in outbound_contributions(record))
