"""The call record the reports read: one row per call, with one leg per offer to an agent.

Written when a call ends (from the AMI events and our own), inbound and outbound alike; the
times follow a contact centre's life of a call::

    arrived_at ─ IVR ─ ivr_ended_at ─ queued_at ─ leg.offered_at ─ leg.answered_at ─ … ─ hung_up_at
                                                   (each offer to an agent is a leg; holds, a
                                                    transfer and the wrap-up end are per leg)

For an outbound call ``arrived_at`` is when dialling started and ``campaign`` names the
campaign (回访 satisfaction callbacks, 欠费催缴 arrears collection).

Records are checked when built (:class:`RecordError`): times are time-zone aware and in order,
and the outcome agrees with the times.  Durations are whole milliseconds (truncated), so sums
over millions of calls stay exact integers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "INBOUND_OUTCOMES",
    "OUTBOUND_OUTCOMES",
    "CallLeg",
    "CallOutcome",
    "CallRecord",
    "Direction",
    "Party",
    "Rating",
    "RecordError",
    "millis",
]

_MS = timedelta(milliseconds=1)


class RecordError(ValueError):
    """A call record (or a fact) that cannot be true: times out of order, outcome against the times."""


def millis(start: datetime, end: datetime) -> int:
    """Whole milliseconds from ``start`` to ``end`` (truncated)."""
    return (end - start) // _MS


def _aware(name: str, at: datetime | None) -> None:
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise RecordError(f"{name} is a naive datetime")


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Party(enum.StrEnum):
    """Who hung up."""

    CALLER = "caller"  # the customer, on either direction
    AGENT = "agent"
    SYSTEM = "system"  # the IVR, the queue's timeout, the dialer, the network


class CallOutcome(enum.StrEnum):
    # inbound
    SELF_SERVED = "self_served"  # ended in the IVR with a self-service function completed
    ABANDONED_IN_IVR = "abandoned_in_ivr"  # ended in the IVR without
    ABANDONED_IN_QUEUE = "abandoned_in_queue"  # queued, never answered
    ANSWERED = "answered"
    # outbound
    CONTACTED = "contacted"  # the customer answered and talked with an agent
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    UNREACHABLE = "unreachable"  # number invalid, switched off, network failure
    DIALER_ABANDONED = "dialer_abandoned"  # the customer answered, no agent came (外呼呼损)


INBOUND_OUTCOMES = frozenset(
    {
        CallOutcome.SELF_SERVED,
        CallOutcome.ABANDONED_IN_IVR,
        CallOutcome.ABANDONED_IN_QUEUE,
        CallOutcome.ANSWERED,
    }
)
OUTBOUND_OUTCOMES = frozenset(CallOutcome) - INBOUND_OUTCOMES


class Rating(enum.StrEnum):
    """The caller's post-call rating (and a satisfaction callback's result)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"

    @property
    def zh(self) -> str:
        return {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}[self.value]


@dataclass(frozen=True, slots=True)
class CallLeg:
    """One offer of the call to one agent: rang (offered), maybe answered, ended, wrapped up."""

    agent: str
    skill: str
    offered_at: datetime
    ended_at: datetime  # the agent's part ended: hang-up, transfer, or the ringing stopped
    answered_at: datetime | None = None
    hold_ms: int = 0  # total on hold during this leg
    wrap_up_end: datetime | None = None  # end of after-call work (话后处理); None: no wrap-up
    transferred: bool = False  # the agent passed the call on (to a colleague or a queue)
    escalated: bool = False  # that transfer went up a level: senior agent or the manager hotline

    def __post_init__(self) -> None:
        for name in ("offered_at", "ended_at", "answered_at", "wrap_up_end"):
            _aware(name, getattr(self, name))
        if not self.agent or not self.skill:
            raise RecordError("a leg names its agent and skill")
        if self.ended_at < self.offered_at:
            raise RecordError(f"leg of {self.agent} ends before it was offered")
        if self.answered_at is None:
            if self.hold_ms or self.wrap_up_end is not None or self.transferred:
                raise RecordError(f"unanswered leg of {self.agent} has hold, wrap-up or a transfer")
        elif not self.offered_at <= self.answered_at <= self.ended_at:
            raise RecordError(f"leg of {self.agent} answered outside its offer")
        elif not 0 <= self.hold_ms <= millis(self.answered_at, self.ended_at):
            raise RecordError(f"leg of {self.agent} holds longer than it was connected")
        if self.wrap_up_end is not None and self.wrap_up_end < self.ended_at:
            raise RecordError(f"leg of {self.agent} ends wrap-up before the call")
        if self.escalated and not self.transferred:
            raise RecordError("an escalation is a transfer")

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def talk_ms(self) -> int:
        """Connected time less hold."""
        if self.answered_at is None:
            return 0
        return millis(self.answered_at, self.ended_at) - self.hold_ms

    @property
    def wrap_ms(self) -> int:
        return 0 if self.wrap_up_end is None else millis(self.ended_at, self.wrap_up_end)

    @property
    def handle_ms(self) -> int:
        """Talk + hold + wrap-up: the agent's time on this call."""
        return self.talk_ms + self.hold_ms + self.wrap_ms


@dataclass(frozen=True, slots=True)
class CallRecord:
    call_id: str  # Asterisk's linkedid
    direction: Direction
    prefecture: str
    arrived_at: datetime
    hung_up_at: datetime
    outcome: CallOutcome
    hung_up_by: Party
    cause: int = 16  # Q.850 hang-up cause, as in Asterisk's Hangup and Cdr events (16 normal clearing)
    ivr_ended_at: datetime | None = None
    queued_at: datetime | None = None
    skill: str | None = None  # the queue the call entered
    legs: tuple[CallLeg, ...] = ()
    segment: str = "normal"  # customer segment: normal, vip, important, private_line
    self_served: bool = False  # the IVR completed a self-service function (bill read out, …)
    ivr_path: tuple[str, ...] = ()  # menu nodes visited, in order; the last one is the exit node
    disposition: str | None = None  # the agent's wrap-up code: resolved, promise_to_pay, …
    rating: Rating | None = None  # post-call rating, given to the last agent who answered
    campaign: str | None = None  # outbound only

    def __post_init__(self) -> None:
        for name in ("arrived_at", "hung_up_at", "ivr_ended_at", "queued_at"):
            _aware(name, getattr(self, name))
        times = [self.arrived_at, self.ivr_ended_at, self.queued_at, self.hung_up_at]
        present = [t for t in times if t is not None]
        if present != sorted(present):
            raise RecordError(f"call {self.call_id}: arrival, IVR end, queue entry, hang-up out of order")
        for leg in self.legs:
            if leg.offered_at < (self.queued_at or self.arrived_at):
                raise RecordError(f"call {self.call_id}: an offer before the call queued")
        if self.rating is not None and self.answered_at is None:
            raise RecordError(f"call {self.call_id}: rated, but no agent answered")
        if self.direction is Direction.INBOUND:
            self._check_inbound()
        else:
            self._check_outbound()

    def _check_inbound(self) -> None:
        o = self.outcome
        if o not in INBOUND_OUTCOMES:
            raise RecordError(f"call {self.call_id}: {o} is an outbound outcome")
        if self.campaign is not None:
            raise RecordError(f"call {self.call_id}: an inbound call has no campaign")
        queued = self.queued_at is not None
        if queued != (self.skill is not None):
            raise RecordError(f"call {self.call_id}: a queued call names its skill, and only it")
        if o in (CallOutcome.SELF_SERVED, CallOutcome.ABANDONED_IN_IVR) and (queued or self.legs):
            raise RecordError(f"call {self.call_id}: {o} but the call queued")
        if (o is CallOutcome.SELF_SERVED) != (self.self_served and not queued):
            raise RecordError(f"call {self.call_id}: self_served outcome and flag disagree")
        if o is CallOutcome.ANSWERED and not (queued and self.answered_at is not None):
            raise RecordError(f"call {self.call_id}: answered without a queue entry and an answered leg")
        if o is CallOutcome.ABANDONED_IN_QUEUE and (not queued or self.answered_at is not None):
            raise RecordError(f"call {self.call_id}: abandoned in queue but not queued, or answered")

    def _check_outbound(self) -> None:
        if self.outcome not in OUTBOUND_OUTCOMES:
            raise RecordError(f"call {self.call_id}: {self.outcome} is an inbound outcome")
        if self.campaign is None:
            raise RecordError(f"call {self.call_id}: an outbound call names its campaign")
        if (self.outcome is CallOutcome.CONTACTED) != (self.answered_at is not None):
            raise RecordError(f"call {self.call_id}: contacted if and only if an agent answered")

    @property
    def answered_at(self) -> datetime | None:
        """When the first agent answered."""
        return next((leg.answered_at for leg in self.legs if leg.answered_at is not None), None)

    @property
    def agent(self) -> str | None:
        """The first agent who answered."""
        return next((leg.agent for leg in self.legs if leg.answered), None)

    @property
    def last_agent_leg(self) -> CallLeg | None:
        return next((leg for leg in reversed(self.legs) if leg.answered), None)

    @property
    def queue_wait_ms(self) -> int | None:
        """Queue entry to the first answer, or to hang-up when nobody answered; None if never queued."""
        if self.queued_at is None:
            return None
        return millis(self.queued_at, self.answered_at or self.hung_up_at)

    @property
    def hold_ms(self) -> int:
        return sum(leg.hold_ms for leg in self.legs)

    @property
    def transfers(self) -> int:
        return sum(leg.transferred for leg in self.legs)

    @property
    def wrap_up_end(self) -> datetime | None:
        ends = [leg.wrap_up_end for leg in self.legs if leg.wrap_up_end is not None]
        return max(ends) if ends else None

    @property
    def ivr_exit_node(self) -> str | None:
        return self.ivr_path[-1] if self.ivr_path else None
