"""Agents' time in each state and their QA scores, per 15-minute interval, prefecture and agent.

Unlike calls (counted whole in their arrival interval), **state time is split at interval
boundaries**: an agent available from 09:10 to 09:40 has 5 min in the 09:00 interval, 15 min in
09:15 and 10 min in 09:30, so the time in a day is the time that passed in that day.  The states
are the ACD's (``available``, ``reserved`` = ringing, ``on_call``, ``wrap_up``, ``paused``);
logged-out time is not counted.

A QA score (质检) is a fact given by the inspector: points out of 100 for one call of one agent,
counted in the interval of that call's arrival, like the call itself.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from reports.cube import Cube, add, build
from reports.periods import Grain, Period, floor
from reports.records import RecordError, millis

__all__ = [
    "AgentKey",
    "AgentState",
    "AgentStateSpan",
    "AgentTimeCounters",
    "QaScore",
    "add_qa_score",
    "add_state_span",
    "build_agent_time_cube",
    "qa_contributions",
    "state_contributions",
]


class AgentState(enum.StrEnum):
    AVAILABLE = "available"  # 示闲
    RESERVED = "reserved"  # 振铃: an offer rings
    ON_CALL = "on_call"  # 通话 (hold included)
    WRAP_UP = "wrap_up"  # 话后处理
    PAUSED = "paused"  # 示忙 / 小休

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]


_STATE_ZH = {
    AgentState.AVAILABLE: "示闲",
    AgentState.RESERVED: "振铃",
    AgentState.ON_CALL: "通话",
    AgentState.WRAP_UP: "话后处理",
    AgentState.PAUSED: "示忙",
}


@dataclass(frozen=True, slots=True)
class AgentStateSpan:
    agent: str
    prefecture: str
    state: AgentState
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise RecordError("a state span needs time-zone aware times")
        if self.end < self.start:
            raise RecordError(f"{self.agent}: {self.state} ends before it starts")


@dataclass(frozen=True, slots=True)
class QaScore:
    agent: str
    prefecture: str
    call_arrived_at: datetime
    points: int  # 0–100

    def __post_init__(self) -> None:
        if not 0 <= self.points <= 100:
            raise RecordError(f"QA score {self.points} is not 0–100")
        if self.call_arrived_at.tzinfo is None:
            raise RecordError("a QA score needs a time-zone aware call time")


@dataclass(frozen=True, slots=True, order=True)
class AgentKey:
    start: datetime
    prefecture: str
    agent: str


@dataclass(frozen=True, slots=True)
class AgentTimeCounters:
    available_ms: int = 0
    reserved_ms: int = 0
    on_call_ms: int = 0
    wrap_up_ms: int = 0
    paused_ms: int = 0
    qa_scored: int = 0
    qa_points: int = 0


def state_contributions(span: AgentStateSpan) -> Iterator[tuple[AgentKey, AgentTimeCounters]]:
    """The span cut at 15-minute boundaries, one contribution per interval it touches."""
    at = floor(span.start, Grain.QUARTER_HOUR)
    while at < span.end:
        interval = Period(Grain.QUARTER_HOUR, at)
        part = millis(max(span.start, at), min(span.end, interval.end))
        if part > 0:
            yield (
                AgentKey(at, span.prefecture, span.agent),
                AgentTimeCounters(**{f"{span.state.value}_ms": part}),
            )
        at = interval.end


def qa_contributions(score: QaScore) -> Iterator[tuple[AgentKey, AgentTimeCounters]]:
    start = floor(score.call_arrived_at, Grain.QUARTER_HOUR)
    yield (
        AgentKey(start, score.prefecture, score.agent),
        AgentTimeCounters(qa_scored=1, qa_points=score.points),
    )


def add_state_span(cube: Cube[AgentKey, AgentTimeCounters], span: AgentStateSpan) -> None:
    """Maintain the cube as an agent leaves a state."""
    for key, counters in state_contributions(span):
        add(cube, key, counters)


def add_qa_score(cube: Cube[AgentKey, AgentTimeCounters], score: QaScore) -> None:
    for key, counters in qa_contributions(score):
        add(cube, key, counters)


def build_agent_time_cube(
    spans: Iterable[AgentStateSpan], scores: Iterable[QaScore] = ()
) -> Cube[AgentKey, AgentTimeCounters]:
    """Recompute from the raw rows."""
    from_spans = (c for span in spans for c in state_contributions(span))
    from_scores = (c for score in scores for c in qa_contributions(score))
    return build(c for source in (from_spans, from_scores) for c in source)
