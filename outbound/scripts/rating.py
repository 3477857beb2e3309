"""The post-call rating, FastAGI route ``rating``: the caller whose agent hung up first hears a
one-key rating — 满意 1, 基本满意 2, 不满意 3 — stored against the call and the agent (table
``call_ratings``).

``[acd-connect]`` dials the agent with Dial's ``g`` option, so the caller's channel goes on in the
dialplan only when the *agent* hung up; with ``POST_CALL_RATING = yes`` and ``DIALSTATUS`` ANSWER it
runs this route.  The agent is the dialled extension (``HOTLINE_AGENT``), looked up in the agent
directory; the prefecture is the call's (``HOTLINE_PREFECTURE``), else the agent's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.errors import AgiHangup
from cti.agi.session import AgiSession
from outbound.scripts.voice import Question, ask, say
from prompts.language import Language
from prompts.speech import phrase
from storage.agents import AgentRecord
from storage.outbound_results import CallRating, Rating

__all__ = ["KEYS", "RatingScript"]

log = structlog.get_logger(__name__)

KEYS = {"1": Rating.SATISFIED, "2": Rating.FAIRLY_SATISFIED, "3": Rating.DISSATISFIED}
QUESTION = Question("rating_ask", "".join(KEYS), tries=2, timeout_ms=5000)


class RatingScript:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, session: AgiSession) -> None:
        uniqueid = session.env.uniqueid
        log_ = log.bind(uniqueid=uniqueid)
        extension = await session.get_variable("HOTLINE_AGENT") or ""
        prefecture = await session.get_variable("HOTLINE_PREFECTURE") or ""
        language = Language.EN if (await session.get_variable("HOTLINE_LANGUAGE")) == "en" else Language.ZH
        async with self._sessions() as db:
            agent = (
                await db.execute(select(AgentRecord).where(AgentRecord.extension == extension))
            ).scalar_one_or_none()
        if agent is None:
            log_.warning("outbound rating: unknown agent extension", extension=extension)
            return
        try:
            key = await ask(session, QUESTION, language)
            if key is None:
                return
            await self._store(uniqueid, agent.agent_id, prefecture or agent.prefecture, KEYS[key])
            log_.info("outbound call rated", agent=agent.agent_id, rating=KEYS[key].value)
            await say(session, phrase("rating_thanks", language))
        except AgiHangup:
            return

    async def _store(self, uniqueid: str, agent_id: str, prefecture: str, rating: Rating) -> None:
        async with self._sessions() as db:
            db.add(CallRating(uniqueid=uniqueid, agent_id=agent_id, prefecture=prefecture, rating=rating,
                              rated_at=self._clock()))  # fmt: skip
            try:
                await db.commit()
            except IntegrityError:
                log.info("outbound call already rated", uniqueid=uniqueid)
