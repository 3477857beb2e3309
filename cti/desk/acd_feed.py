"""What the ACD reports, turned into messages for the browsers and into the agents' call log.

A listener on :meth:`acd.service.AcdService.subscribe` (called synchronously, right after each
change is stored), so it only publishes and queues: screen pops are built in background tasks
(they read the database and maybe the PBX), and the agent call log is written by one ordered
worker, so a call's answer is always written before its end.

==================  ===========================================================================
ACD event           goes to
==================  ===========================================================================
AgentStateChanged   ``agent.state`` to the agent; ``floor.agent`` to the prefecture's floor
CallOffered         ``call.offered`` with the screen pop, to the agent
CallAnswered        ``call.answered`` to the agent; a row in the agent call log
CallEnded           ``call.ended`` to the agent; the row closed (ended / transferred)
CallEscalated       ``call.ended`` to the agent; the row closed (escalated)
CallRequeued        ``call.withdrawn`` to the agent (the offer is over)
any                 ``floor.calls`` to the call's prefecture: the waiting line changed
==================  ===========================================================================
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.events import (
    AcdEvent,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallEscalated,
    CallOffered,
    CallQueued,
    CallRemoved,
    CallRequeued,
)
from cti.background import Background, OrderedJobs
from cti.calls.screen_pop import ScreenPops
from cti.desk.agent_views import agent_view
from cti.notifier import Hub, agent_topic, floor_topics
from storage.agent_calls import CallOutcome, call_answered, call_left_agent

__all__ = ["AcdFeed"]

log = structlog.get_logger(__name__)


class AcdFeed:
    def __init__(
        self,
        hub: Hub,
        pops: ScreenPops,
        sessions: async_sessionmaker[AsyncSession],
        background: Background,
        jobs: OrderedJobs,
    ) -> None:
        self._hub = hub
        self._pops = pops
        self._sessions = sessions
        self._background = background
        self._jobs = jobs
        self._hints: dict[tuple[str, str], CallOutcome] = {}

    def outcome_hint(self, uniqueid: str, agent_id: str, outcome: CallOutcome) -> None:
        """The call is about to leave the agent for ``outcome`` (a transfer ends like a hang-up)."""
        if len(self._hints) > 10_000:
            self._hints.clear()
        self._hints[(uniqueid, agent_id)] = outcome

    def __call__(self, event: AcdEvent) -> None:
        match event:
            case AgentStateChanged(agent=agent, new=new):
                view = agent_view(agent, new)
                self._hub.publish(agent_topic(agent.id), "agent.state", view)
                self._hub.publish(floor_topics(agent.prefecture), "floor.agent", view)
            case CallOffered(at=at, entry=entry, agent_id=agent_id):
                self._background.spawn(self._offer(entry.entry_id, agent_id, event, at), name="screen pop")
            case CallAnswered(at=at, entry=entry, agent_id=agent_id, waited_s=waited):
                self._hub.publish(agent_topic(agent_id), "call.answered", {"uniqueid": entry.uniqueid})
                stamp = datetime.fromtimestamp(at, UTC)

                async def answered() -> None:
                    async with self._sessions() as db:
                        await call_answered(
                            db, uniqueid=entry.uniqueid, agent_id=agent_id, prefecture=entry.prefecture,
                            skill=entry.requirement.skill, waited_s=waited, now=stamp,
                        )  # fmt: skip
                        await db.commit()

                self._jobs.put(answered)
            case CallEnded(at=at, entry=entry, agent_id=agent_id):
                outcome = self._hints.pop((entry.uniqueid, agent_id), CallOutcome.ENDED)
                self._left(entry.uniqueid, agent_id, outcome, at)
            case CallEscalated(at=at, entry=entry, from_agent=agent_id):
                self._hints.pop((entry.uniqueid, agent_id), None)
                self._left(entry.uniqueid, agent_id, CallOutcome.ESCALATED, at)
            case CallRequeued(entry=entry, agent_id=agent_id, reason=reason):
                self._hub.publish(
                    agent_topic(agent_id), "call.withdrawn", {"uniqueid": entry.uniqueid, "reason": reason}
                )
            case _:
                pass
        if isinstance(event, CallQueued | CallAnswered | CallAbandoned | CallRemoved | CallEscalated):
            entry = event.entry
            self._hub.publish(floor_topics(entry.prefecture), "floor.calls", {"event": type(event).__name__})

    def _left(self, uniqueid: str, agent_id: str, outcome: CallOutcome, at: float) -> None:
        self._hub.publish(
            agent_topic(agent_id), "call.ended", {"uniqueid": uniqueid, "outcome": outcome.value}
        )
        stamp = datetime.fromtimestamp(at, UTC)

        async def left() -> None:
            async with self._sessions() as db:
                await call_left_agent(db, uniqueid=uniqueid, agent_id=agent_id, outcome=outcome, now=stamp)
                await db.commit()

        self._jobs.put(left)

    async def _offer(self, entry_id: str, agent_id: str, event: CallOffered, at: float) -> None:
        pop = await self._pops.build(event.entry, at)
        self._hub.publish(agent_topic(agent_id), "call.offered", pop)
        log.info("api screen pop sent", uniqueid=event.entry.uniqueid, agent=agent_id)
