"""The 回访 survey, FastAGI route ``survey`` (``[outbound-survey]``).

Declared as data: :data:`QUESTIONS` (each scored 1–5 by one key), the comment offer, the
threshold (``[outbound] survey_reopen_at_or_below``).  The call:

1. identifies the ticket from the contact the dialer called (``HOTLINE_CONTACT``; its reference is
   the ticket number) and reads the number back;
2. asks 2–3 questions (``[outbound] survey_questions``); a question left unanswered after three
   tries ends the survey unfinished (the attempt counts as hung up in the script, retried per
   policy);
3. stores the result (table ``survey_results``: ticket, the agent who handled it, prefecture,
   scores, mean) and closes the ticket — or, at or below the threshold, reopens it to the manager
   hotline as a repeat complaint (:class:`outbound.ticket_callback.TicketCallbacks`);
4. offers a voice comment: key 1 sets ``HOTLINE_COMMENT_FILE`` and ``HOTLINE_OUTCOME=comment``, and
   the dialplan records it (MixMonitor, after a beep) until the customer hangs up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.errors import AgiHangup
from cti.agi.session import AgiSession
from outbound.attempt_store import AttemptStore, ScriptResult
from outbound.campaign_store import CampaignStore
from outbound.scripts.called_contact import called_contact
from outbound.scripts.voice import Question, ask, say
from outbound.settings import OutboundSettings
from outbound.ticket_callback import TicketCallbacks, ticket_agent
from prompts.language import Language
from prompts.speech import digits, phrase
from storage.outbound_results import SurveyResult
from storage.tickets import ticket_by_number

__all__ = ["QUESTIONS", "SurveyScript"]

log = structlog.get_logger(__name__)

QUESTIONS = (
    Question("survey_q1", "12345"),  # the result
    Question("survey_q2", "12345"),  # the speed
    Question("survey_q3", "12345"),  # the staff's attitude
)
COMMENT = Question("survey_comment_offer", "12", tries=1, timeout_ms=5000)
OUTCOME = "HOTLINE_OUTCOME"
COMMENT_FILE = "HOTLINE_COMMENT_FILE"


class SurveyScript:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        campaigns: CampaignStore,
        attempts: AttemptStore,
        callbacks: TicketCallbacks,
        settings: OutboundSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._campaigns = campaigns
        self._attempts = attempts
        self._callbacks = callbacks
        self._settings = settings
        self._clock = clock

    async def __call__(self, session: AgiSession) -> None:
        uniqueid = session.env.uniqueid
        log_ = log.bind(uniqueid=uniqueid)
        language = Language.ZH
        called = await called_contact(session, self._campaigns)
        stored = called.stored
        async with self._sessions() as db:
            ticket = await ticket_by_number(db, stored.contact.reference) if stored else None
            agent_id = await ticket_agent(db, ticket.id) if ticket else None
        if stored is None or ticket is None:
            log_.warning("outbound survey without its ticket", contact=called.raw)
            await say(session, phrase("survey_unknown", language))
            return
        try:
            await session.answer()
            intro = phrase("survey_intro", language, ticket=digits(ticket.number or ""))
            scores: list[int] = []
            for i, question in enumerate(QUESTIONS[: self._settings.survey_questions]):
                key = await ask(session, question, language, intro if i == 0 else ())
                if key is None:
                    log_.info("outbound survey unanswered", ticket=ticket.number, question=i + 1)
                    await say(session, phrase("outbound_goodbye", language))
                    return
                scores.append(int(key))
        except AgiHangup:
            log_.info("outbound survey hung up", ticket=ticket.number)
            return
        score = sum(scores) / len(scores)
        reopened = await self._callbacks.surveyed(ticket.number or "", score, uniqueid)
        comment: str | None = None
        async with self._sessions() as db:
            db.add(
                SurveyResult(
                    ticket_number=ticket.number, campaign_id=stored.campaign_id, contact_id=stored.id,
                    uniqueid=uniqueid, agent_id=agent_id, prefecture=ticket.prefecture, q1=scores[0],
                    q2=scores[1], q3=scores[2] if len(scores) > 2 else None, score=score, reopened=reopened,
                    completed_at=self._clock(),
                )
            )  # fmt: skip
            await db.commit()
        await self._attempts.script_result(uniqueid, ScriptResult.COMPLETED)
        log_.info("outbound survey completed", ticket=ticket.number, score=score, reopened=reopened)
        try:
            if reopened:
                await say(session, phrase("survey_reopened", language))
            if self._settings.survey_comment_s > 0 and await ask(session, COMMENT, language) == "1":
                comment = str(Path(self._settings.comments_dir) / f"{ticket.number}-{uniqueid}.wav")
                await session.set_variable(COMMENT_FILE, comment)
                await session.set_variable("HOTLINE_COMMENT_S", str(self._settings.survey_comment_s))
                await session.set_variable(OUTCOME, "comment")
                await self._comment(uniqueid, comment)
                return
            await say(session, phrase("survey_thanks", language))
        except AgiHangup:
            return

    async def _comment(self, uniqueid: str, path: str) -> None:
        async with self._sessions() as db:
            await db.execute(
                update(SurveyResult).where(SurveyResult.uniqueid == uniqueid).values(comment_file=path)
            )
            await db.commit()
