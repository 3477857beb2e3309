"""Ticket facts (complaints, suggestions, fault reports) and their daily counters.

A :class:`TicketFact` is what reporting needs to know of a ticket: kind, category, severity, the
time limit and when it was replied to and closed, whether the customer rejected the result, whether
a later complaint repeated it, its repeat kind (:mod:`reports.repeats`) and its 越级 channel.

Counting (docs/reports.md):

* A ticket is counted on the local **day it was created**, with everything about it (handled,
  overdue, first-time resolution, repeat kind, 越级).  A satisfaction callback is counted on the
  day it was made.
* Overdue (超时) and overdue-unhandled (超时未处理) depend on when one looks: the cube is a snapshot
  as of ``as_of``.  A ticket is *handled* at its reply (回复) or close, whichever comes first.
  Overdue: the time limit passed before it was handled (or before ``as_of`` when still not
  handled); handled exactly at the limit is on time.  Overdue-unhandled: past its limit and not
  handled as of ``as_of``.  A closed period's report made after its last time limit no longer
  changes; an open period's is rebuilt (tickets are thousands, not millions).
* First-time resolution (一次性解决): a complaint closed, never reopened, not repeated by the same
  customer (repeat kinds 1 and 2; kind 3 is another customer's) and not escalated (越级).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from reports.cube import Cube, build
from reports.periods import Grain, floor
from reports.records import Rating, RecordError

__all__ = [
    "ESCALATION_CHANNELS",
    "RepeatKind",
    "Severity",
    "SurveyResult",
    "TicketCounters",
    "TicketFact",
    "TicketKey",
    "TicketKind",
    "build_ticket_cube",
    "survey_contributions",
    "ticket_contributions",
]

# 越级 channels: where a customer took a complaint over the operator's head (seed 002: 五大渠道, 工信通管)
ESCALATION_CHANNELS: dict[str, str] = {
    "miit": "工信部/通信管理局",
    "group": "集团公司",
    "government": "政府热线",
    "media": "媒体",
    "consumer_association": "消费者协会",
}


class TicketKind(enum.StrEnum):
    COMPLAINT = "complaint"  # 投诉
    SUGGESTION = "suggestion"  # 建议
    FAULT = "fault"  # 故障申告


class Severity(enum.StrEnum):
    """Seed 003: 轻微 / 一般 / 较重 / 严重 / 重大."""

    SLIGHT = "slight"
    ORDINARY = "ordinary"
    SERIOUS = "serious"
    SEVERE = "severe"
    MAJOR = "major"

    @property
    def zh(self) -> str:
        return {"slight": "轻微", "ordinary": "一般", "serious": "较重", "severe": "严重", "major": "重大"}[
            self.value
        ]


class RepeatKind(enum.StrEnum):
    """The three kinds of repeat complaint (seed 003, 注:重复投诉分三种类型)."""

    NOT_ANSWERED_IN_TIME = "not_answered_in_time"  # 在投诉处理时限内未答复客户
    UNSATISFIED_WITH_RESULT = "unsatisfied_with_result"  # 因客户不满意处理结果而再次投诉的
    SAME_PERSON_SAME_TYPE = "same_person_same_type"  # 个人造成的同类型投诉

    @property
    def zh(self) -> str:
        return {
            "not_answered_in_time": "时限内未答复",
            "unsatisfied_with_result": "不满意处理结果再次投诉",
            "same_person_same_type": "个人造成的同类型投诉",
        }[self.value]


@dataclass(frozen=True, slots=True)
class TicketFact:
    ticket_id: str
    kind: TicketKind
    prefecture: str
    customer: str  # customer id, or the caller's number when unidentified
    category: str  # "" when none (suggestions)
    created_at: datetime
    severity: Severity = Severity.ORDINARY
    due_at: datetime | None = None  # the time limit (处理时限); None: no limit
    replied_at: datetime | None = None  # the result told to the customer (回复)
    closed_at: datetime | None = None
    reopened: bool = False  # the customer did not accept the result
    repeated: bool = False  # the same customer's later complaint repeats this one (repeat kinds 1, 2)
    repeat_kind: RepeatKind | None = None
    repeat_of: str | None = None  # the predecessor's ticket id
    escalation_channel: str | None = None  # 越级: the body the customer went to
    responsible: str | None = None  # the person whose work caused the complaint, once investigated

    def __post_init__(self) -> None:
        for name in ("created_at", "due_at", "replied_at", "closed_at"):
            at = getattr(self, name)
            if at is not None and at.tzinfo is None:
                raise RecordError(f"ticket {self.ticket_id}: {name} is a naive datetime")
        for name in ("replied_at", "closed_at"):
            at = getattr(self, name)
            if at is not None and at < self.created_at:
                raise RecordError(f"ticket {self.ticket_id}: {name} before it was created")
        if (self.repeat_kind is None) != (self.repeat_of is None):
            raise RecordError(f"ticket {self.ticket_id}: a repeat names its kind and its predecessor")
        if self.kind is not TicketKind.COMPLAINT and (self.repeat_kind or self.escalation_channel):
            raise RecordError(f"ticket {self.ticket_id}: only complaints repeat or escalate")

    def handled_at(self, as_of: datetime) -> datetime | None:
        """Reply or close, the earlier, if it happened by ``as_of``."""
        done = [t for t in (self.replied_at, self.closed_at) if t is not None and t <= as_of]
        return min(done) if done else None

    def overdue(self, as_of: datetime) -> bool:
        if self.due_at is None:
            return False
        return (self.handled_at(as_of) or as_of) > self.due_at

    def overdue_unhandled(self, as_of: datetime) -> bool:
        return self.due_at is not None and self.handled_at(as_of) is None and as_of > self.due_at

    def resolved_first_time(self, as_of: datetime) -> bool:
        closed = self.closed_at is not None and self.closed_at <= as_of
        return closed and not (self.reopened or self.repeated or self.escalation_channel)


@dataclass(frozen=True, slots=True)
class SurveyResult:
    """A satisfaction callback (回访) on a closed complaint, and the customer's answer."""

    ticket_id: str
    prefecture: str
    category: str
    severity: Severity
    surveyed_at: datetime
    rating: Rating


@dataclass(frozen=True, slots=True, order=True)
class TicketKey:
    start: datetime  # local day
    prefecture: str
    category: str
    severity: str
    channel: str  # 越级 channel, "" when not escalated


@dataclass(frozen=True, slots=True)
class TicketCounters:
    complaints: int = 0
    suggestions: int = 0
    faults: int = 0
    handled: int = 0  # replied or closed (all kinds)
    overdue: int = 0  # 超时: limit passed before handling
    overdue_unhandled: int = 0  # 超时未处理: past the limit, still not handled
    complaints_closed: int = 0
    resolved_first_time: int = 0  # complaints: 一次性解决
    repeat_not_answered: int = 0
    repeat_unsatisfied: int = 0
    repeat_same_person: int = 0
    escalated: int = 0  # 越级 complaints
    surveyed_satisfied: int = 0
    surveyed_basically_satisfied: int = 0
    surveyed_unsatisfied: int = 0


_REPEAT_FIELD = {
    RepeatKind.NOT_ANSWERED_IN_TIME: "repeat_not_answered",
    RepeatKind.UNSATISFIED_WITH_RESULT: "repeat_unsatisfied",
    RepeatKind.SAME_PERSON_SAME_TYPE: "repeat_same_person",
}
_SURVEY_FIELD = {
    Rating.SATISFIED: "surveyed_satisfied",
    Rating.BASICALLY_SATISFIED: "surveyed_basically_satisfied",
    Rating.UNSATISFIED: "surveyed_unsatisfied",
}


def ticket_contributions(fact: TicketFact, as_of: datetime) -> Iterator[tuple[TicketKey, TicketCounters]]:
    """What a ticket adds to the cube as of ``as_of`` (nothing if created later)."""
    if fact.created_at > as_of:
        return
    complaint = fact.kind is TicketKind.COMPLAINT
    closed = fact.closed_at is not None and fact.closed_at <= as_of
    counts = {
        "complaints": int(complaint),
        "suggestions": int(fact.kind is TicketKind.SUGGESTION),
        "faults": int(fact.kind is TicketKind.FAULT),
        "handled": int(fact.handled_at(as_of) is not None),
        "overdue": int(fact.overdue(as_of)),
        "overdue_unhandled": int(fact.overdue_unhandled(as_of)),
        "complaints_closed": int(complaint and closed),
        "resolved_first_time": int(complaint and fact.resolved_first_time(as_of)),
        "escalated": int(fact.escalation_channel is not None),
    }
    if fact.repeat_kind is not None:
        counts[_REPEAT_FIELD[fact.repeat_kind]] = 1
    key = TicketKey(
        floor(fact.created_at, Grain.DAY),
        fact.prefecture,
        fact.category,
        str(fact.severity),
        fact.escalation_channel or "",
    )
    yield key, TicketCounters(**counts)


def survey_contributions(survey: SurveyResult, as_of: datetime) -> Iterator[tuple[TicketKey, TicketCounters]]:
    if survey.surveyed_at > as_of:
        return
    key = TicketKey(
        floor(survey.surveyed_at, Grain.DAY), survey.prefecture, survey.category, str(survey.severity), ""
    )
    yield key, TicketCounters(**{_SURVEY_FIELD[survey.rating]: 1})


def build_ticket_cube(
    tickets: Iterable[TicketFact], surveys: Iterable[SurveyResult], as_of: datetime
) -> Cube[TicketKey, TicketCounters]:
    """The ticket cube as of ``as_of``, from the facts."""
    from_tickets = (c for t in tickets for c in ticket_contributions(t, as_of))
    from_surveys = (c for s in surveys for c in survey_contributions(s, as_of))
    return build(c for source in (from_tickets, from_surveys) for c in source)
