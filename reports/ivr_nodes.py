"""Inbound calls through the IVR, per 15-minute interval, prefecture and menu node.

For each node: how many calls visited it (once per call, however often they came back), and how
many calls *left the IVR there*, by how they left: served (a self-service function completed,
the call ended), hung up without being served, or passed to an agent queue.  The node where a
call leaves is the last node of its path.  Counted in the interval of the call's arrival.

Summed over nodes, ``self_served + hung_up + to_agent`` is the number of calls with an IVR path
(every such call leaves exactly once); ``visits`` summed over nodes counts node visits, not calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from reports.cube import Cube, add, build
from reports.periods import Grain, floor
from reports.records import CallOutcome, CallRecord, Direction

__all__ = ["IvrCounters", "IvrKey", "add_ivr_call", "build_ivr_cube", "ivr_contributions"]


@dataclass(frozen=True, slots=True, order=True)
class IvrKey:
    start: datetime
    prefecture: str
    node: str


@dataclass(frozen=True, slots=True)
class IvrCounters:
    visits: int = 0  # calls that reached this node
    self_served: int = 0  # calls that ended here, served
    hung_up: int = 0  # calls that ended here, not served (abandoned in the IVR)
    to_agent: int = 0  # calls that left the IVR here for an agent queue


def ivr_contributions(record: CallRecord) -> Iterator[tuple[IvrKey, IvrCounters]]:
    if record.direction is not Direction.INBOUND or not record.ivr_path:
        return
    start = floor(record.arrived_at, Grain.QUARTER_HOUR)
    exit_node = record.ivr_path[-1]
    for node in dict.fromkeys(record.ivr_path):
        yield IvrKey(start, record.prefecture, node), IvrCounters(visits=1)
    o = record.outcome
    left = IvrCounters(
        self_served=int(o is CallOutcome.SELF_SERVED),
        hung_up=int(o is CallOutcome.ABANDONED_IN_IVR),
        to_agent=int(record.queued_at is not None),
    )
    yield IvrKey(start, record.prefecture, exit_node), left


def add_ivr_call(cube: Cube[IvrKey, IvrCounters], record: CallRecord) -> None:
    for key, counters in ivr_contributions(record):
        add(cube, key, counters)


def build_ivr_cube(records: Iterable[CallRecord]) -> Cube[IvrKey, IvrCounters]:
    return build(c for record in records for c in ivr_contributions(record))
