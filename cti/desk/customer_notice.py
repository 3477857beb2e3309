"""Telling a customer, unasked, that their ticket is closed (自动回复, seed 001 §4.12, §7.12).

The seam is :class:`CustomerNotifier`: the ticket desk calls it once a ticket is closed (after the
close is committed; a notifier that fails never undoes the close). Implementations record what
they did as a :class:`storage.customer_notices.CustomerNotice`:

- :class:`LoggedNotifier` — no way to reach the customer is configured: the notice is recorded
  (status ``logged``) and logged, so the desk and the reports still show what the customer was
  due to hear;
- a voice-call notifier, where the outbound dialer runs, places a call that says
  ``notice_ticket_closed`` (``queued``, or ``failed`` when the dialer refuses it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from prompts.catalogue import prompt
from prompts.language import Language
from storage.customer_notices import CustomerNotice, NoticeStatus

__all__ = ["ClosedTicket", "CustomerNotifier", "LoggedNotifier", "notice_text"]

log = structlog.get_logger(__name__)

EVENT_TICKET_CLOSED = "ticket_closed"


@dataclass(frozen=True, slots=True)
class ClosedTicket:
    number: str
    caller_number: str
    prefecture: str
    language: Language
    kind: str


class CustomerNotifier(Protocol):
    name: str

    async def ticket_closed(self, ticket: ClosedTicket) -> NoticeStatus: ...


def notice_text(ticket: ClosedTicket) -> str:
    """What the customer hears, as text (the voice call says the same prompt)."""
    return prompt("notice_ticket_closed").text(ticket.language).replace("{ticket}", ticket.number)


class LoggedNotifier:
    name = "log"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    async def ticket_closed(self, ticket: ClosedTicket) -> NoticeStatus:
        async with self._sessions() as db:
            db.add(
                CustomerNotice(
                    ticket_number=ticket.number, order_number=None, number=ticket.caller_number[:32],
                    prefecture=ticket.prefecture, event=EVENT_TICKET_CLOSED, channel="log",
                    status=NoticeStatus.LOGGED, language=ticket.language.value, text=notice_text(ticket),
                    reference="", created_at=self._clock(),
                )
            )  # fmt: skip
            await db.commit()
        log.info("customer notice logged", ticket=ticket.number, notice=EVENT_TICKET_CLOSED)
        return NoticeStatus.LOGGED
