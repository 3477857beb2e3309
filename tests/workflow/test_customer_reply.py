from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from workflow.customer_reply import CustomerReply, ReplyChannel, record_reply, replied_same_day
from workflow.errors import WorkflowError
from workflow.ticket_status import TicketStatus

CST = timezone(timedelta(hours=8))
CREATED = datetime(2024, 3, 4, 1, 0, tzinfo=UTC)


def reply(
    at: datetime, reached: bool = True, status: TicketStatus = TicketStatus.IN_PROGRESS
) -> CustomerReply:
    return record_reply(
        "T1",
        ticket_status=status,
        ticket_created_at=CREATED,
        channel=ReplyChannel.PHONE,
        by="agent-1001",
        summary=" 已核实并退还12元 ",
        reached=reached,
        now=at,
    )


def test_a_reply_that_reached_the_customer_moves_the_ticket_to_replied() -> None:
    done = reply(CREATED + timedelta(hours=5))
    assert (done.channel, done.at, done.summary, done.ticket_status_after) == (
        ReplyChannel.PHONE,
        CREATED + timedelta(hours=5),
        "已核实并退还12元",
        TicketStatus.REPLIED,
    )
    assert reply(CREATED + timedelta(hours=5), reached=False).ticket_status_after is None


def test_replies_only_to_open_tickets_with_a_summary_after_the_ticket() -> None:
    with pytest.raises(WorkflowError, match="ticket T1 is closed"):
        reply(CREATED, status=TicketStatus.CLOSED)
    with pytest.raises(WorkflowError, match="cannot come before the ticket"):
        reply(CREATED - timedelta(seconds=1))
    with pytest.raises(WorkflowError, match="says what the customer was told"):
        record_reply(
            "T1",
            ticket_status=TicketStatus.OVERDUE,
            ticket_created_at=CREATED,
            channel=ReplyChannel.SMS,
            by="a",
            summary="",
            reached=True,
            now=CREATED,
        )


def test_same_day_is_the_centres_day() -> None:
    answered = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # 17:00 in UTC+8
    assert replied_same_day(answered, reply(datetime(2024, 3, 4, 15, 59, tzinfo=UTC)), CST)  # 23:59
    assert not replied_same_day(
        answered, reply(datetime(2024, 3, 4, 16, 0, tzinfo=UTC)), CST
    )  # next day 00:00
    assert not replied_same_day(answered, reply(datetime(2024, 3, 4, 10, 0, tzinfo=UTC), reached=False), CST)
