"""The arrears reminder, FastAGI route ``reminder`` (``[outbound-reminder]``).

Reads the number, the amount due and the due date (from the contact the arrears job made:
columns ``amount_due`` in fen and ``due_date``), then the menu :data:`MENU`: **1** an agent
(``HOTLINE_OUTCOME=queue`` with the billing hand-off; the dialplan sends the call to
``[acd-wait]``), **2** a promise to pay by a date keyed in as MMDD (validated: a real date, today
or within :data:`PROMISE_WITHIN_DAYS`; a bad date is refused and asked again), **3** hear it again.
What came of it is stored on the account (table ``arrears_outcomes``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.errors import AgiHangup
from cti.agi.session import AgiSession
from outbound.attempt_store import AttemptStore, ScriptResult
from outbound.campaign_store import CampaignStore
from outbound.scripts.called_contact import called_contact
from outbound.scripts.voice import Question, ask, say
from prompts.language import Language
from prompts.speech import amount, day_of_month, digits, phrase
from storage.outbound_results import ArrearsOutcome, ReminderResult

__all__ = ["MENU", "PROMISE_WITHIN_DAYS", "ReminderScript", "promised_date"]

log = structlog.get_logger(__name__)

MENU = Question("reminder_menu", "123", tries=2)
PROMISE_WITHIN_DAYS = 30
_HEARINGS = 3
_HANDOFF = {
    "HOTLINE_SKILL": "billing",
    "HOTLINE_MIN_LEVEL": "junior",
    "HOTLINE_LANGUAGE": "zh",
    "HOTLINE_SEGMENT": "normal",
    "HOTLINE_PRIORITY": "0",
    "HOTLINE_CUSTOMER_ID": "",
    "HOTLINE_TICKET_ID": "",
    "HOTLINE_IVR_PATH": "outbound>reminder>agent",
    "HOTLINE_IVR_SESSION": "",
}


def promised_date(keys: str, today: date) -> date | None:
    """The date keyed as MMDD, in the coming year's sense: the next such day from ``today``;
    ``None`` unless it is a real date within :data:`PROMISE_WITHIN_DAYS` days."""
    if len(keys) != 4 or not keys.isdigit():
        return None
    month, day = int(keys[:2]), int(keys[2:])
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if today <= candidate <= today + timedelta(days=PROMISE_WITHIN_DAYS):
            return candidate
    return None


class ReminderScript:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        campaigns: CampaignStore,
        attempts: AttemptStore,
        clock: Callable[[], datetime],
        tz: ZoneInfo,
    ) -> None:
        self._sessions = sessions
        self._campaigns = campaigns
        self._attempts = attempts
        self._clock = clock
        self._tz = tz

    async def __call__(self, session: AgiSession) -> None:
        uniqueid = session.env.uniqueid
        log_ = log.bind(uniqueid=uniqueid)
        language = Language.ZH
        called = await called_contact(session, self._campaigns)
        stored = called.stored
        if stored is None:
            log_.warning("outbound reminder without its contact", contact=called.raw)
            return
        contact = stored.contact
        fen = int(contact.extra_value("amount_due") or "0")
        due = date.fromisoformat(contact.extra_value("due_date") or self._today().isoformat())
        intro = phrase(
            "reminder_intro", language, account=digits(contact.number), amount=amount(fen, language),
            date=day_of_month(due, language),
        )  # fmt: skip
        result, promised = ReminderResult.HUNG_UP, None
        try:
            await session.answer()
            for _ in range(_HEARINGS):
                key = await ask(session, MENU, language, intro)
                result = ReminderResult.LISTENED
                if key == "1":
                    result = ReminderResult.AGENT
                    await say(session, phrase("reminder_agent", language))
                    for name, value in {**_HANDOFF, "HOTLINE_PREFECTURE": contact.prefecture}.items():
                        await session.set_variable(name, value)
                    await session.set_variable("HOTLINE_OUTCOME", "queue")
                    break
                if key == "2":
                    promised = await self._promise(session, language)
                    if promised is not None:
                        result = ReminderResult.PROMISE
                        await say(
                            session,
                            phrase("reminder_promise_ok", language, date=day_of_month(promised, language)),
                        )
                        break
                if key is None:
                    await say(session, phrase("outbound_goodbye", language))
                    break
        except AgiHangup:
            log_.info("outbound reminder hung up", result=result.value)
        await self._store(stored.campaign_id, stored.id, contact.reference, uniqueid, result, fen, promised)
        if result is not ReminderResult.HUNG_UP:
            await self._attempts.script_result(uniqueid, ScriptResult.COMPLETED)
        log_.info("outbound reminder", account=contact.reference, result=result.value, promised=promised)

    async def _promise(self, session: AgiSession, language: Language) -> date | None:
        for attempt in range(3):
            prompt = "reminder_promise_ask" if attempt == 0 else "reminder_promise_bad"
            keys = ""
            key = await say(session, phrase(prompt, language), "0123456789")
            if key:
                keys = key
            while len(keys) < 4:
                key = await session.wait_for_digit(5000)
                if key is None:
                    break
                keys += key
            found = promised_date(keys, self._today())
            if found is not None:
                return found
        return None

    def _today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    async def _store(
        self, campaign_id: str, contact_id: int, reference: str, uniqueid: str, result: ReminderResult,
        fen: int, promised: date | None,
    ) -> None:  # fmt: skip
        account = reference.split(":", 1)[0]
        async with self._sessions() as db:
            db.add(
                ArrearsOutcome(
                    account_number=account, campaign_id=campaign_id, contact_id=contact_id, uniqueid=uniqueid,
                    result=result, amount_due_fen=fen, promised_for=promised, at=self._clock(),
                )
            )  # fmt: skip
            await db.commit()
