"""An answered progressive or predictive call, put through to an agent: FastAGI route
``outbound-connect`` (``[outbound-agent]``).

The call enters the ACD's line for the campaign's skill (``HOTLINE_SKILL``) with the VIP head
start (see :mod:`outbound.agent_pool` for the rule shared with inbound calls).  If the ACD reserves
an agent within :data:`CONNECT_WITHIN_S` (it then redirects the call into ``[acd-connect]``, which
records and dials the agent, as for an inbound caller), the attempt is marked connected.  If not,
the call leaves the line, hears the recorded message (who called, that we will call again) and
counts as **abandoned** — the message starts before 2 s have passed since the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import structlog

from acd.clock import Clock, SystemClock
from acd.errors import AcdError
from acd.model import Segment, SkillRequirement
from acd.service import AcdService
from acd.store import CallPhase
from cti.agi.errors import AgiHangup
from cti.agi.session import AgiSession
from outbound.attempt_store import AttemptStore, ScriptResult
from outbound.scripts.voice import say
from prompts.language import Language
from prompts.speech import phrase

__all__ = ["CONNECT_WITHIN_S", "AgentConnect"]

log = structlog.get_logger(__name__)

# the abandon rule is 2 s from the answer to an agent; what is left of it once the AGI is up
CONNECT_WITHIN_S = 1.5
_POLL_S = 0.01


class AgentConnect:
    def __init__(
        self,
        acd: AcdService,
        attempts: AttemptStore,
        clock: Callable[[], datetime],
        on_connected: Callable[[str], None] | None = None,
        acd_clock: Clock | None = None,
    ) -> None:
        self._acd = acd
        self._attempts = attempts
        self._clock = clock
        self._on_connected = on_connected
        # the 2 s are measured on the ACD's clock (simulated seconds in a simulation)
        self._acd_clock = acd_clock or SystemClock()

    async def __call__(self, session: AgiSession) -> None:
        uniqueid = session.env.uniqueid
        log_ = log.bind(uniqueid=uniqueid)
        skill = await session.get_variable("HOTLINE_SKILL") or "general"
        prefecture = await session.get_variable("HOTLINE_PREFECTURE") or "province"
        try:
            await self._acd.enqueue(
                uniqueid, SkillRequirement(skill), Segment.VIP, prefecture, caller_number=session.env.callerid
            )
        except AcdError as exc:
            log_.warning("outbound call not queued", error=str(exc))
        agent = await self._wait_for_agent(uniqueid)
        if agent is not None:
            await self._attempts.agent_connected(uniqueid, agent, self._clock())
            if self._on_connected is not None:
                self._on_connected(uniqueid)
            log_.info("outbound call to an agent", agent=agent)
            return
        try:
            await self._acd.dequeue(uniqueid)
        except AcdError as exc:
            log_.warning("outbound dequeue failed", error=str(exc))
        await self._attempts.script_result(uniqueid, ScriptResult.ABANDONED)
        log_.info("outbound call abandoned: no agent within 2 s")
        try:
            await session.set_variable("HOTLINE_OUTCOME", "abandoned")
            await say(session, phrase("outbound_abandon", Language.ZH))
        except AgiHangup:
            return

    async def _wait_for_agent(self, uniqueid: str) -> str | None:
        deadline = self._acd_clock.now() + CONNECT_WITHIN_S
        while True:
            record = await self._acd.store.call(uniqueid)
            if record is not None and record.phase is not CallPhase.WAITING and record.agent_id:
                return record.agent_id
            if record is None or self._acd_clock.now() >= deadline:
                return None
            await asyncio.sleep(_POLL_S)
