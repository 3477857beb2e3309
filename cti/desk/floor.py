"""The supervisor's floor: agents and waiting calls in scope, and acting on agents.

Force pause, force sign-out and skill changes act on one agent, who must be in the supervisor's
prefecture (provincial supervisors: any).  Waiting calls are listed by id, skill, segment and
wait; no caller numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import structlog

from acd.model import Agent, Skill
from cti.access.roles import Principal
from cti.acd_bridge.link import AcdLink
from cti.calls.live_calls import LiveCalls
from cti.desk.agent_views import agent_view
from cti.errors import OutOfScope

__all__ = ["Floor"]

log = structlog.get_logger(__name__)


class Floor:
    def __init__(self, acd: AcdLink, calls: LiveCalls, clock: Callable[[], float]) -> None:
        self._acd = acd
        self._calls = calls
        self._clock = clock

    async def view(self, who: Principal) -> dict[str, Any]:
        acd = self._acd.service
        now = self._clock()
        statuses = await acd.statuses()
        agents = []
        for agent in sorted(await acd.agents(), key=lambda a: a.id):
            if not who.covers(agent.prefecture):
                continue
            view = agent_view(agent, statuses.get(agent.id))
            live = self._calls.of_agent(agent.id)
            view["call"] = None if live is None else live.view()
            agents.append(view)
        waiting = [
            {
                "entry_id": record.entry_id,
                "phase": record.phase.value,
                "prefecture": record.entry.prefecture,
                "skill": record.entry.requirement.skill,
                "min_level": record.entry.requirement.min_level.label,
                "segment": record.entry.segment.value,
                "waited_s": round(max(0.0, now - record.entry.enqueued_at), 1),
                "agent_id": record.agent_id,
            }
            for record in await acd.calls()
            if who.covers(record.entry.prefecture)
        ]
        waiting.sort(key=lambda c: -float(c["waited_s"]))  # type: ignore[arg-type]
        return {"at": now, "scope": who.scope, "agents": agents, "calls": waiting}

    async def force_pause(self, who: Principal, agent_id: str, reason: str) -> dict[str, Any]:
        agent = await self._in_scope(who, agent_id)
        new = await self._acd.moves.pause(agent_id, f"forced-{reason}"[:32])
        log.info("api forced pause", agent=agent_id, by=who.user_id)
        return agent_view(agent, new)

    async def force_logout(self, who: Principal, agent_id: str) -> dict[str, Any]:
        agent = await self._in_scope(who, agent_id)
        new = await self._acd.moves.force_logout(agent_id, by=f"user-{who.user_id}")
        return agent_view(agent, new)

    async def set_skills(self, who: Principal, agent_id: str, skills: Sequence[Skill]) -> dict[str, Any]:
        acd = self._acd.service
        agent = await self._in_scope(who, agent_id)
        changed = replace(agent, skills=tuple(skills))
        await self._acd.save_agent(changed)
        log.info("api skills changed", agent=agent_id, by=who.user_id, skills=[s.name for s in skills])
        return agent_view(changed, await acd.status(agent_id))

    async def _in_scope(self, who: Principal, agent_id: str) -> Agent:
        agent = await self._acd.service.agent(agent_id)
        if not who.covers(agent.prefecture):
            raise OutOfScope(f"agent {agent_id} is not in your prefecture")
        return agent
