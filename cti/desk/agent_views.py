"""How an agent and their state look in API answers and WebSocket messages (ids, no names)."""

from __future__ import annotations

from typing import Any

from acd.agent_state import AgentStatus
from acd.model import Agent

__all__ = ["agent_view"]


def agent_view(agent: Agent, status: AgentStatus | None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "agent_id": agent.id,
        "extension": agent.extension,
        "prefecture": agent.prefecture,
        "level": agent.level.label,
        "skills": [{"name": s.name, "proficiency": s.proficiency} for s in agent.skills],
        "languages": list(agent.languages),
    }
    if status is None:
        view.update(state="logged_out", since=None, reason=None, pending_pause=None, entry_id=None)
    else:
        view.update(
            state=status.state.value,
            since=status.since,
            reason=status.reason,
            pending_pause=status.pending_pause,
            entry_id=status.entry_id,
            deadline=status.deadline,
        )
    return view
