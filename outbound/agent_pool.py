"""Which agents the dialer may count on: the ACD's agents of a campaign's skill.

Inbound and outbound share agents **through the ACD**, by one rule (``[outbound] inbound_first``,
on by default): the dialer counts an agent as free for a campaign only when it is available in
the ACD **and** not needed by an inbound caller already waiting for that skill — free agents minus
inbound callers waiting.  An answered outbound call is then put in the ACD's line for the skill
with the VIP head start (:mod:`outbound.agent_connect`), so it takes the agent that was free when
it was dialled, ahead of inbound callers who arrived meanwhile; if no agent is reserved for it
within 2 s it leaves the line, hears the recorded message and counts as abandoned.  With
``inbound_first = false`` waiting inbound callers are not subtracted (outbound competes equally).
"""

from __future__ import annotations

from dataclasses import dataclass

from acd.agent_state import AgentState
from acd.clock import Clock
from acd.model import WaitingCall
from acd.service import AcdService
from acd.store import CallPhase

__all__ = ["OUTBOUND_PREFIX", "AcdAgentPool", "SkillView"]

# the ChannelId of every call the dialer places starts with this (the ACD's entry id of the call)
OUTBOUND_PREFIX = "ob-"


@dataclass(frozen=True, slots=True)
class SkillView:
    free: int  # agents the dialer may use now
    logged_in: int
    wrap_up_remaining_s: tuple[float, ...]


class AcdAgentPool:
    def __init__(self, service: AcdService, clock: Clock, *, inbound_first: bool) -> None:
        self._service = service
        self._clock = clock
        self._inbound_first = inbound_first

    async def view(self, skill: str) -> SkillView:
        now = self._clock.now()
        agents = {a.id: a for a in await self._service.agents() if a.has_skill(skill)}
        statuses = await self._service.statuses()
        free = logged_in = 0
        wrap: list[float] = []
        for agent_id in agents:
            status = statuses.get(agent_id)
            if status is None or not status.logged_in:
                continue
            logged_in += 1
            if status.state is AgentState.AVAILABLE:
                free += 1
            elif status.state is AgentState.WRAP_UP and status.deadline is not None:
                wrap.append(max(0.0, status.deadline - now))
        if self._inbound_first:
            waiting = sum(
                1
                for record in await self._service.calls()
                if record.phase is CallPhase.WAITING
                and record.entry.requirement.skill == skill
                and not (
                    isinstance(record.entry, WaitingCall)
                    and record.entry.uniqueid.startswith(OUTBOUND_PREFIX)
                )
            )
            free = max(0, free - waiting)
        return SkillView(free, logged_in, tuple(wrap))
