"""Index keys that turn eligibility into a key match, so a routing decision reads index heads only.

Both stores keep sorted sets under these keys (the memory store in Python, the Redis store as
``ZSET``\\ s under its prefix):

* ``ia:<skill>:<lang>:<level>:<pref>`` — available agents, scored by ``idle_since``.  An agent sits
  in one set per skill × (each of its languages, and "any language") × (its prefecture, and "any
  prefecture"), at its own level.
* ``iq:<skill>:<lang>:<level>:<pref>`` — waiting calls, scored by place in line.  A call sits in
  exactly one: its skill, its language (or "any"), the level its current overflow step admits,
  and its prefecture if the step keeps it in its own prefecture (else "any").
* ``qs:<skill>`` — every waiting call of a skill, by place in line (position announcements,
  "back to the head of the queue").
* ``free:<level>`` — every available agent of a level (``keep_free``).

Looking for **an agent for a call** reads the head of one ``ia`` set per admitted level (at most
3).  Looking for **a call for an agent** reads the head of each ``iq`` set the agent serves:
skills × (languages + 1) × levels up to its own × 2.  Every head read is already eligible, so
no candidate is ever examined and rejected: a decision costs O(k log n) with k fixed by the
agent's or call's own profile, independent of how many agents and calls there are.  The price
is paid when an agent's availability changes: O(skills × languages) set updates.

Names cannot contain ``:`` (:func:`acd.model.check_name`), so ``l:<lang>`` / ``p:<pref>`` versus
``anyl`` / ``anyp`` can never be confused.
"""

from __future__ import annotations

from acd.model import Agent, AgentLevel
from acd.routing import Eligibility

__all__ = [
    "agent_keys",
    "agent_queue_keys",
    "call_candidate_keys",
    "call_key",
    "free_key",
    "skill_queue_key",
]

_ANY_LANGUAGE = "anyl"
_ANY_PREFECTURE = "anyp"


def _lang(language: str | None) -> str:
    return _ANY_LANGUAGE if language is None else f"l:{language}"


def _pref(prefecture: str | None) -> str:
    return _ANY_PREFECTURE if prefecture is None else f"p:{prefecture}"


def free_key(level: AgentLevel) -> str:
    return f"free:{int(level)}"


def skill_queue_key(skill: str) -> str:
    return f"qs:{skill}"


def agent_keys(agent: Agent) -> tuple[str, ...]:
    """Every available-agent set the agent belongs to while available (``free`` set last)."""
    keys = [
        f"ia:{skill.name}:{_lang(lang)}:{int(agent.level)}:{_pref(pref)}"
        for skill in agent.skills
        for lang in (*agent.languages, None)
        for pref in (agent.prefecture, None)
    ]
    keys.append(free_key(agent.level))
    return tuple(keys)


def agent_queue_keys(agent: Agent) -> tuple[tuple[AgentLevel, str], ...]:
    """Every waiting-call set whose calls this agent may take, with the level those calls need;
    the agent's own level first, then lower levels (so a search that serves its own level first
    can stop early)."""
    return tuple(
        (level, f"iq:{skill.name}:{_lang(lang)}:{int(level)}:{_pref(pref)}")
        for level in sorted(AgentLevel, reverse=True)
        if level <= agent.level
        for skill in agent.skills
        for lang in (*agent.languages, None)
        for pref in (agent.prefecture, None)
    )


def call_key(eligibility: Eligibility) -> str:
    """The one waiting-call set a call under ``eligibility`` sits in."""
    e = eligibility
    return f"iq:{e.skill}:{_lang(e.language)}:{int(e.min_level)}:{_pref(e.prefecture)}"


def call_candidate_keys(eligibility: Eligibility) -> tuple[tuple[AgentLevel, str], ...]:
    """The available-agent sets holding exactly the agents eligible for the call, lowest level first."""
    e = eligibility
    return tuple(
        (level, f"ia:{e.skill}:{_lang(e.language)}:{int(level)}:{_pref(e.prefecture)}")
        for level in AgentLevel
        if level >= e.min_level
    )
