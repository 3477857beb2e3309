"""The reply to the customer (回复): the result told to the caller, by which channel, when, by whom.

A reply that reached the customer completes the ticket's handling (the ticket moves to
``replied``, then to the satisfaction callback and closing); an attempt that did not reach them
(no answer, number off) is recorded too but changes nothing.  Seed 003 asks for the result to be
told the same day the department answers: :func:`replied_same_day` says whether it was.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, tzinfo

from workflow.errors import WorkflowError
from workflow.ticket_status import OPEN_STATUSES, TicketStatus

__all__ = ["CustomerReply", "ReplyChannel", "record_reply", "replied_same_day"]


class ReplyChannel(enum.StrEnum):
    PHONE = "phone"  # 电话回复
    SMS = "sms"  # 短信
    IN_PERSON = "in_person"  # 当面 (at a service hall)
    LETTER = "letter"  # 书面
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class CustomerReply:
    ticket_id: str
    channel: ReplyChannel
    by: str
    at: datetime
    summary: str  # what the customer was told
    reached: bool  # False: an attempt that did not reach the customer

    @property
    def ticket_status_after(self) -> TicketStatus | None:
        """``replied`` when the customer was reached; ``None``: the ticket stays as it is."""
        return TicketStatus.REPLIED if self.reached else None


def record_reply(
    ticket_id: str,
    *,
    ticket_status: TicketStatus,
    ticket_created_at: datetime,
    channel: ReplyChannel,
    by: str,
    summary: str,
    reached: bool,
    now: datetime,
) -> CustomerReply:
    """A reply to an open ticket; refused for a closed one, without a summary, or before the ticket."""
    if ticket_status not in OPEN_STATUSES:
        raise WorkflowError(f"ticket {ticket_id} is {ticket_status}: there is nothing left to reply")
    if not summary.strip():
        raise WorkflowError(f"ticket {ticket_id}: a reply says what the customer was told")
    if now < ticket_created_at:
        raise WorkflowError(
            f"ticket {ticket_id}: a reply cannot come before the ticket ({ticket_created_at})"
        )
    return CustomerReply(ticket_id, channel, by, now, summary.strip(), reached)


def replied_same_day(answered_at: datetime, reply: CustomerReply, tz: tzinfo) -> bool:
    """Whether the customer was reached on the day the department answered (seed 003: 当日回复), the
    day as counted in the centres' time zone ``tz``."""
    if answered_at.tzinfo is None or reply.at.tzinfo is None:
        raise ValueError("times must carry their time zone")
    return (
        reply.reached
        and reply.at >= answered_at
        and answered_at.astimezone(tz).date() == reply.at.astimezone(tz).date()
    )
