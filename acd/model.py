"""The values the ACD routes with: agents, skill requirements, segments, waiting entries.

All are frozen and checked when built (a bad name raises :class:`~acd.errors.ModelError`), so
anything that reaches a store or a rule is well-formed.  Names (agent ids, skills, languages,
prefectures, call ids) become parts of store keys, hence: non-empty, at most 64 characters, no
``:`` and no whitespace.  Unicode is fine (prefectures may be written in Chinese).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TypeAlias

from acd.errors import ModelError

__all__ = [
    "Agent",
    "AgentLevel",
    "CallbackRequest",
    "HistoryEntry",
    "Segment",
    "Skill",
    "SkillRequirement",
    "WaitingCall",
    "WaitingEntry",
    "check_name",
]

MAX_NAME = 64
MIN_PROFICIENCY = 1
MAX_PROFICIENCY = 5


def check_name(kind: str, value: str) -> str:
    """Return ``value`` if it can be part of a store key, else raise :class:`ModelError`."""
    if not isinstance(value, str) or not value:
        raise ModelError(f"{kind} must be a non-empty string, got {value!r}")
    if len(value) > MAX_NAME:
        raise ModelError(f"{kind} {value[:20]!r}... is longer than {MAX_NAME} characters")
    if ":" in value or any(ch.isspace() for ch in value):
        raise ModelError(f"{kind} {value!r} must not contain ':' or whitespace")
    return value


class AgentLevel(enum.IntEnum):
    """Seniority; a requirement's ``min_level`` admits that level and every level above it."""

    JUNIOR = 1
    SENIOR = 2
    MANAGER = 3

    @classmethod
    def parse(cls, text: str | int | AgentLevel) -> AgentLevel:
        if isinstance(text, AgentLevel):
            return text
        if isinstance(text, int):
            try:
                return cls(text)
            except ValueError:
                raise ModelError(f"agent level {text!r} is not 1, 2 or 3") from None
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ModelError(f"agent level {text!r} is not junior, senior or manager") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Segment(enum.StrEnum):
    """Customer segment from the customer record.  Big and important customers are VIPs."""

    NORMAL = "normal"
    VIP = "vip"
    PRIVATE_LINE = "private_line"

    @classmethod
    def parse(cls, text: str | Segment) -> Segment:
        if isinstance(text, Segment):
            return text
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        found = _SEGMENT_ALIASES.get(key)
        if found is None:
            raise ModelError(
                f"customer segment {text!r} is not one of: " + ", ".join(sorted(_SEGMENT_ALIASES))
            )
        return found


_SEGMENT_ALIASES: dict[str, Segment] = {
    "normal": Segment.NORMAL,
    "ordinary": Segment.NORMAL,
    "vip": Segment.VIP,
    "important": Segment.VIP,
    "big": Segment.VIP,
    "private_line": Segment.PRIVATE_LINE,
    "privateline": Segment.PRIVATE_LINE,
}


@dataclass(frozen=True, slots=True)
class Skill:
    """A skill an agent has, with a proficiency from 1 (learning) to 5 (expert)."""

    name: str
    proficiency: int = 3

    def __post_init__(self) -> None:
        check_name("skill", self.name)
        if not MIN_PROFICIENCY <= self.proficiency <= MAX_PROFICIENCY:
            raise ModelError(
                f"skill {self.name!r}: proficiency {self.proficiency} is not between "
                f"{MIN_PROFICIENCY} and {MAX_PROFICIENCY}"
            )


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent's profile: who they are and what they can take.  Their state lives in the store."""

    id: str
    extension: str
    prefecture: str
    level: AgentLevel
    skills: tuple[Skill, ...]
    languages: tuple[str, ...] = ("zh",)

    def __post_init__(self) -> None:
        check_name("agent id", self.id)
        check_name(f"agent {self.id!r}: extension", self.extension)
        check_name(f"agent {self.id!r}: prefecture", self.prefecture)
        if not isinstance(self.level, AgentLevel):
            raise ModelError(f"agent {self.id!r}: level must be an AgentLevel, got {self.level!r}")
        names = [s.name for s in self.skills]
        if len(set(names)) != len(names):
            raise ModelError(f"agent {self.id!r}: a skill is listed twice in {names}")
        if not self.languages:
            raise ModelError(f"agent {self.id!r}: speaks no language")
        for lang in self.languages:
            check_name(f"agent {self.id!r}: language", lang)
        if len(set(self.languages)) != len(self.languages):
            raise ModelError(f"agent {self.id!r}: a language is listed twice in {list(self.languages)}")

    def proficiency(self, skill: str) -> int | None:
        for s in self.skills:
            if s.name == skill:
                return s.proficiency
        return None

    def has_skill(self, skill: str) -> bool:
        return self.proficiency(skill) is not None


@dataclass(frozen=True, slots=True)
class SkillRequirement:
    """What a call needs: a skill, at least this level, and (if not ``None``) this language."""

    skill: str
    min_level: AgentLevel = AgentLevel.JUNIOR
    language: str | None = None

    def __post_init__(self) -> None:
        check_name("required skill", self.skill)
        if not isinstance(self.min_level, AgentLevel):
            raise ModelError(f"min_level must be an AgentLevel, got {self.min_level!r}")
        if self.language is not None:
            check_name("required language", self.language)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """Something that happened to a call on its way through the ACD (kept across escalations)."""

    at: float
    kind: str  # "no-answer", "escalated", "callback-requested", "connect-failed", "agent-left"
    agent_id: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """A caller on hold waiting for an agent.

    ``enqueued_at`` is when this requirement started waiting (overflow steps and wait
    statistics count from it); the place in line is the store's score, computed once at first
    enqueue from segment and time (see :mod:`acd.priority`) and carried along on escalation.
    """

    uniqueid: str
    requirement: SkillRequirement
    segment: Segment
    prefecture: str
    enqueued_at: float
    rule: str = ""
    linkedid: str | None = None
    caller_number: str | None = None
    history: tuple[HistoryEntry, ...] = field(default=())
    # the ACD node id (``[acd] node_id``: the Asterisk server) whose server holds the caller's
    # channel: only that server's node can Redirect it.  None: this node's (one server)
    server: str | None = None

    def __post_init__(self) -> None:
        check_name("call uniqueid", self.uniqueid)
        check_name(f"call {self.uniqueid!r}: prefecture", self.prefecture)

    @property
    def entry_id(self) -> str:
        return self.uniqueid


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    """A caller who pressed a key to be called back: a virtual caller in the caller's place in line.

    It keeps the original call's ``enqueued_at``, segment and score, so it is served exactly when
    the caller would have been; it never jumps the line.
    """

    request_id: str
    uniqueid: str  # the call that asked for it
    number: str
    requirement: SkillRequirement
    segment: Segment
    prefecture: str
    enqueued_at: float
    requested_at: float
    rule: str = ""
    linkedid: str | None = None
    history: tuple[HistoryEntry, ...] = field(default=())
    server: str | None = None  # the caller's server (``WaitingCall.server``): it dials the agent

    def __post_init__(self) -> None:
        check_name("callback request id", self.request_id)
        check_name(f"callback {self.request_id!r}: number", self.number)
        check_name(f"callback {self.request_id!r}: prefecture", self.prefecture)

    @property
    def entry_id(self) -> str:
        return self.request_id

    @classmethod
    def for_call(cls, call: WaitingCall, number: str, now: float) -> CallbackRequest:
        return cls(
            request_id=f"callback-{call.uniqueid}",
            uniqueid=call.uniqueid,
            number=number,
            requirement=call.requirement,
            segment=call.segment,
            prefecture=call.prefecture,
            enqueued_at=call.enqueued_at,
            requested_at=now,
            rule=call.rule,
            linkedid=call.linkedid,
            history=(*call.history, HistoryEntry(now, "callback-requested", None, number)),
            server=call.server,
        )


WaitingEntry: TypeAlias = WaitingCall | CallbackRequest
