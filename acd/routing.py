"""Who gets what: eligibility, longest idle, and conservation of senior agents.  Pure.

**Eligibility.**  An agent may take a call under the overflow step in force when the agent has
the required skill, speaks the required language (if any), is at least the step's level, and —
if the step says so — belongs to the call's prefecture.  :class:`Eligibility` states this; the
stores realise it as index keys (:mod:`acd.indexes`) so that looking for a match reads only
index heads instead of scanning agents or calls.

**Choosing an agent for a call** (:func:`choose_agent`): among eligible available agents, the
one idle longest.  With ``conserve_higher_levels`` the lowest eligible *level* that has anyone
free is used first, so seniors stay free for calls only seniors may take while a junior can
take this one; ``keep_free`` additionally keeps N agents of a level free: an agent takes a
call below its own level only if at least N other agents of its level stay available.

**Choosing a call for an agent** (:func:`choose_entry`): the best-placed (lowest score) call
among those the agent is eligible for.  With ``conserve_higher_levels`` an agent first serves
calls that need its own level, then lower levels; ``keep_free`` applies as above.

Whichever side decides, the agent gets the call :func:`choose_entry` gives it: when the agent
chosen for a call has a better-placed call waiting for it (it has just become available and
its own decision has not run yet), the stores reserve it for that call instead.

Ties (same idle time, same score) are broken by id, the same way the Redis sorted sets do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from acd.errors import RulesError
from acd.model import Agent, AgentLevel, WaitingEntry

__all__ = ["AgentHead", "ChoicePolicy", "Eligibility", "EntryHead", "choose_agent", "choose_entry"]


@dataclass(frozen=True, slots=True)
class ChoicePolicy:
    conserve_higher_levels: bool = True
    keep_free: Mapping[AgentLevel, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for level, count in self.keep_free.items():
            if count < 0:
                raise RulesError(f"agent_choice.keep_free.{level.label}: {count} is negative")

    def free_needed(self, level: AgentLevel) -> int:
        return self.keep_free.get(level, 0)


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Which agents may take a call right now (its requirement under its current overflow step)."""

    skill: str
    language: str | None
    min_level: AgentLevel
    prefecture: str | None  # None: any prefecture

    @classmethod
    def of(cls, entry: WaitingEntry, min_level: AgentLevel, own_prefecture: bool) -> Eligibility:
        req = entry.requirement
        return cls(req.skill, req.language, min_level, entry.prefecture if own_prefecture else None)

    def admits(self, agent: Agent) -> bool:
        return (
            agent.has_skill(self.skill)
            and (self.language is None or self.language in agent.languages)
            and agent.level >= self.min_level
            and (self.prefecture is None or agent.prefecture == self.prefecture)
        )


@dataclass(frozen=True, slots=True)
class AgentHead:
    """The longest-idle available agent of one level among those eligible for a call."""

    agent_id: str
    level: AgentLevel
    idle_since: float


@dataclass(frozen=True, slots=True)
class EntryHead:
    """The best-placed waiting call in one queue an agent serves; ``level`` is the call's step level."""

    entry_id: str
    level: AgentLevel
    score: float


def choose_agent(
    call_level: AgentLevel,
    heads: Iterable[AgentHead],
    free_by_level: Mapping[AgentLevel, int],
    policy: ChoicePolicy,
) -> AgentHead | None:
    """Pick the agent for a call whose step admits ``call_level`` and above.

    ``heads`` holds at most one head per level (the longest idle of that level);
    ``free_by_level`` counts available agents per level, all skills together.
    """
    allowed = [h for h in heads if _may_take(h.level, call_level, free_by_level, policy)]
    if not allowed:
        return None
    if policy.conserve_higher_levels:
        return min(allowed, key=lambda h: (h.level, h.idle_since, h.agent_id))
    return min(allowed, key=lambda h: (h.idle_since, h.agent_id))


def choose_entry(
    agent_level: AgentLevel,
    heads: Iterable[EntryHead],
    free_by_level: Mapping[AgentLevel, int],
    policy: ChoicePolicy,
) -> EntryHead | None:
    """Pick the call for an agent of ``agent_level``; ``heads`` are the heads of the queues it serves."""
    allowed = [h for h in heads if _may_take(agent_level, h.level, free_by_level, policy)]
    if not allowed:
        return None
    if policy.conserve_higher_levels:
        return min(allowed, key=lambda h: (-h.level, h.score, h.entry_id))
    return min(allowed, key=lambda h: (h.score, h.entry_id))


def _may_take(
    agent_level: AgentLevel, call_level: AgentLevel, free: Mapping[AgentLevel, int], policy: ChoicePolicy
) -> bool:
    """An agent may take a call below its level only if ``keep_free`` others of its level stay free."""
    if agent_level <= call_level:
        return True
    # the agent itself is counted among the free agents of its level
    return free.get(agent_level, 0) - 1 >= policy.free_needed(agent_level)
