"""Is anyone there to take this call?  For what waiting callers are told.

A caller is told "no agent can take your call right now" (and offered a callback) when no agent
who has the skill and speaks the language is logged in and unpaused — on any node: the answer
comes from the ACD's store, read at most once per ``ttl_s`` for all waiting callers of the node.
The level is not considered: overflow steps may lower it while the call waits.
"""

from __future__ import annotations

from acd.agent_state import AgentState, AgentStatus
from acd.clock import Clock
from acd.model import Agent, SkillRequirement
from acd.store import AcdStore

__all__ = ["Staffing"]

_SERVING = frozenset({AgentState.AVAILABLE, AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP})


class Staffing:
    def __init__(self, store: AcdStore, clock: Clock, ttl_s: float = 5.0) -> None:
        self._store = store
        self._clock = clock
        self._ttl_s = ttl_s
        self._read_at: float | None = None
        self._serving: list[Agent] = []

    async def can_serve(self, requirement: SkillRequirement) -> bool:
        """Someone logged in and not paused has the skill (and the language, if one is required)."""
        now = self._clock.now()
        if self._read_at is None or now - self._read_at >= self._ttl_s:
            agents = await self._store.agents()
            statuses = await self._store.statuses()
            self._serving = [a for a in agents if _serving(statuses.get(a.id))]
            self._read_at = now
        return any(
            a.has_skill(requirement.skill)
            and (requirement.language is None or requirement.language in a.languages)
            for a in self._serving
        )

    def forget(self) -> None:
        """Read the store again next time (an agent logged in or out through this node)."""
        self._read_at = None


def _serving(status: AgentStatus | None) -> bool:
    return status is not None and status.state in _SERVING
