"""Routing decisions by brute force, straight from the definition of eligibility.

The stores decide from index heads; these functions look at every agent and every call and
apply the same choice policy (:mod:`acd.routing`), so comparing the two checks the indexes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from acd.agent_state import AgentState, AgentStatus
from acd.model import Agent, AgentLevel
from acd.overflow import RoutingConfig
from acd.routing import AgentHead, ChoicePolicy, Eligibility, EntryHead, choose_agent, choose_entry
from acd.store import CallPhase, QueuedCall


def _available(agents: Mapping[str, Agent], statuses: Mapping[str, AgentStatus]) -> list[tuple[Agent, float]]:
    return [
        (agents[a], s.idle_since if s.idle_since is not None else s.since)
        for a, s in statuses.items()
        if s.state is AgentState.AVAILABLE
    ]


def _free(available: Iterable[tuple[Agent, float]]) -> Counter[AgentLevel]:
    return Counter(a.level for a, _ in available)


def agent_for(
    eligibility: Eligibility,
    agents: Mapping[str, Agent],
    statuses: Mapping[str, AgentStatus],
    policy: ChoicePolicy,
) -> str | None:
    available = _available(agents, statuses)
    best: dict[AgentLevel, AgentHead] = {}
    for a, idle in available:
        if eligibility.admits(a):
            head = AgentHead(a.id, a.level, idle)
            cur = best.get(a.level)
            if cur is None or (idle, a.id) < (cur.idle_since, cur.agent_id):
                best[a.level] = head
    chosen = choose_agent(eligibility.min_level, best.values(), _free(available), policy)
    return chosen.agent_id if chosen else None


def entry_for(
    agent: Agent,
    calls: Iterable[QueuedCall],
    agents: Mapping[str, Agent],
    statuses: Mapping[str, AgentStatus],
    routing: RoutingConfig,
    now: float,
    policy: ChoicePolicy,
) -> str | None:
    heads = []
    for call in calls:
        if call.phase is not CallPhase.WAITING:
            continue
        eligibility = routing.state_at(call.entry, now).eligibility
        if eligibility.admits(agent):
            heads.append(EntryHead(call.entry_id, eligibility.min_level, call.score))
    chosen = choose_entry(agent.level, heads, _free(_available(agents, statuses)), policy)
    return chosen.entry_id if chosen else None
