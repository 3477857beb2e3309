"""What the ACD reports as it works: one frozen event per thing that happened.

:class:`acd.service.AcdService` hands each event to its listeners after the change is stored;
:class:`acd.stats.LiveStats` is one listener, the wallboard / WebSocket push another.  Times are
the service clock's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from acd.agent_state import AgentState, AgentStatus
from acd.model import Agent, AgentLevel, CallbackRequest, WaitingEntry

__all__ = [
    "AcdEvent",
    "AgentStateChanged",
    "CallAbandoned",
    "CallAnswered",
    "CallEnded",
    "CallEscalated",
    "CallOffered",
    "CallQueued",
    "CallRemoved",
    "CallRequeued",
    "CallbackRequested",
    "StepAdvanced",
]


@dataclass(frozen=True, slots=True)
class CallQueued:
    at: float
    entry: WaitingEntry
    score: float


@dataclass(frozen=True, slots=True)
class CallOffered:
    at: float
    entry: WaitingEntry
    agent_id: str


@dataclass(frozen=True, slots=True)
class CallAnswered:
    at: float
    entry: WaitingEntry
    agent_id: str
    waited_s: float


@dataclass(frozen=True, slots=True)
class CallAbandoned:
    """The caller hung up before an agent answered (while waiting, or while an agent was rung)."""

    at: float
    entry: WaitingEntry
    waited_s: float
    while_ringing: bool


@dataclass(frozen=True, slots=True)
class CallRemoved:
    """The call's owner took it out of the ACD (not an abandonment)."""

    at: float
    entry: WaitingEntry


@dataclass(frozen=True, slots=True)
class CallRequeued:
    """An offer failed (no answer, unreachable, agent gone); the call is back at the head of its line."""

    at: float
    entry: WaitingEntry
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class CallEnded:
    at: float
    entry: WaitingEntry
    agent_id: str
    talk_s: float


@dataclass(frozen=True, slots=True)
class CallEscalated:
    """An agent passed the call on to a higher level; ``entry`` is the new waiting entry."""

    at: float
    entry: WaitingEntry
    from_agent: str
    to_level: AgentLevel


@dataclass(frozen=True, slots=True)
class CallbackRequested:
    at: float
    request: CallbackRequest


@dataclass(frozen=True, slots=True)
class StepAdvanced:
    at: float
    entry: WaitingEntry
    step: int


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    at: float
    agent: Agent
    old: AgentState
    new: AgentStatus


AcdEvent: TypeAlias = (
    CallQueued
    | CallOffered
    | CallAnswered
    | CallAbandoned
    | CallRemoved
    | CallRequeued
    | CallEnded
    | CallEscalated
    | CallbackRequested
    | StepAdvanced
    | AgentStateChanged
)
