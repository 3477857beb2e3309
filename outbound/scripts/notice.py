"""The closed-ticket notice (自动回复, seed 001 §4.12), FastAGI route ``notice`` (``[outbound-notice]``).

The dialer calls a customer of the notice campaign (:mod:`cti.desk.customer_notice_call` puts them
on it when their ticket is closed) and this script tells them, in their language, that the ticket
whose number it reads is resolved; it says it twice unless a key cuts it short, then records the
attempt as completed.  No agent: a notice needs no answer.
"""

from __future__ import annotations

import structlog

from cti.agi.errors import AgiHangup
from cti.agi.session import AgiSession
from outbound.attempt_store import AttemptStore, ScriptResult
from outbound.campaign_store import CampaignStore
from outbound.scripts.called_contact import called_contact
from outbound.scripts.voice import say
from prompts.language import Language
from prompts.speech import digits, phrase

__all__ = ["NoticeScript"]

log = structlog.get_logger(__name__)

ANY_KEY = "0123456789*#"


class NoticeScript:
    def __init__(self, campaigns: CampaignStore, attempts: AttemptStore) -> None:
        self._campaigns = campaigns
        self._attempts = attempts

    async def __call__(self, session: AgiSession) -> None:
        uniqueid = session.env.uniqueid
        log_ = log.bind(uniqueid=uniqueid)
        called = await called_contact(session, self._campaigns)
        stored = called.stored
        if stored is None:
            log_.warning("outbound notice without its contact", contact=called.raw)
            return
        wanted = stored.contact.extra_value("language")
        language = Language(wanted) if wanted in {lang.value for lang in Language} else Language.ZH
        notice = phrase("notice_ticket_closed", language, ticket=digits(stored.contact.reference))
        try:
            await session.answer()
            if await say(session, notice, ANY_KEY) is None:
                await say(session, notice, ANY_KEY)
            await say(session, phrase("outbound_goodbye", language))
        except AgiHangup:
            log_.info("outbound notice hung up", ticket=stored.contact.reference)
            return
        await self._attempts.script_result(uniqueid, ScriptResult.COMPLETED)
        log_.info("outbound notice told", ticket=stored.contact.reference)
