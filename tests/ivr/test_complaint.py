"""Complaints and suggestions (投诉建议): ticket, number read back, queue with the right level."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.handoff import AgentLevel, Handoff
from storage.ivr_records import IvrOutcome, IvrSession
from storage.ticket_lifecycle import TicketActionKind, TicketKind, TicketStatus
from storage.ticket_numbers import ticket_number_for
from storage.tickets import Ticket, ticket_history
from tests.ivr.conftest import Run
from tests.ivr.scripted_caller import BLOCK, HANGUP, HANGUP_NOW, ScriptedCaller


def h(*files: str) -> list[str]:
    return [f"hotline/{f}" for f in files]


async def _tickets(sessions: async_sessionmaker[AsyncSession]) -> list[Ticket]:
    async with sessions() as db:
        return list((await db.execute(select(Ticket).order_by(Ticket.id))).scalars())


async def test_vip_billing_dispute_goes_to_a_senior(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("3", "1", "3", callerid="13800000003")
    assert await run_call(caller) is IvrOutcome.QUEUED

    number = ticket_number_for(3)  # the demo data holds tickets 1 and 2
    assert caller.heard == [
        *h("greeting_vip", "vip_menu", "language_offer", "complaint_menu", "billing_dispute_menu"),
        "hotline/complaint_registered",
        "hotline/ticket_number-1", f"digits:{number}", "hotline/ticket_number-2", f"digits:{number}",
        "hotline/transfer_agent",
    ]  # fmt: skip
    ticket = (await _tickets(hotline_db))[-1]
    assert (ticket.number, ticket.kind, ticket.category, ticket.subcategory) == (
        number, TicketKind.COMPLAINT, "billing_dispute", "usage",
    )  # fmt: skip
    assert ticket.status is TicketStatus.ACCEPTED
    assert (ticket.customer_id, ticket.prefecture, ticket.created_via) == (3, "jiuquan", "ivr")
    assert ticket.due_at == ticket.created_at + timedelta(hours=24)
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
    assert ticket.ivr_session_id == record.id
    assert record.ticket_id == ticket.id and record.skill == "complaint"

    handoff = Handoff.from_variables(caller.variables)
    assert handoff == Handoff(
        skill="complaint", min_level=AgentLevel.SENIOR, language=handoff.language, segment=handoff.segment,
        priority=21, customer_id="3", prefecture="jiuquan", ticket_id=number,
        ivr_path="vip_main>3>billing_dispute>usage", ivr_session=str(record.id),
    )  # fmt: skip
    assert (handoff.language.value, handoff.segment.value) == ("zh", "vip")
    assert caller.variables["HOTLINE_OUTCOME"] == "queue"


@pytest.mark.parametrize(
    ("callerid", "level", "priority"),
    [("13800000001", "junior", 1), ("13800000006", "senior", 1), ("13800000004", "senior", 11)],
)
async def test_who_needs_a_senior(run_call: Run, callerid: str, level: str, priority: int) -> None:
    caller = ScriptedCaller.calling("3", "2", callerid=callerid)
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.variables["HOTLINE_MIN_LEVEL"] == level
    assert caller.variables["HOTLINE_PRIORITY"] == str(priority)
    menu = "vip_main" if callerid == "13800000004" else "main"  # private line: the VIP menu
    assert caller.variables["HOTLINE_IVR_PATH"] == f"{menu}>3>service_attitude"


async def test_suggestion_is_recorded_and_thanked(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("3", "6")
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard == h(
        "welcome", "main_menu", "language_offer", "complaint_menu", "suggestion_thanks", "goodbye"
    )
    assert caller.variables == {"CHANNEL(language)": "zh", "HOTLINE_OUTCOME": "selfserved"}
    ticket = (await _tickets(hotline_db))[-1]
    assert (ticket.kind, ticket.category, ticket.due_at, ticket.status) == (
        TicketKind.SUGGESTION, None, None, TicketStatus.ACCEPTED,
    )  # fmt: skip


async def test_hang_up_mid_menu_saves_the_complaint_as_abandoned(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("3", "1", HANGUP)
    assert await run_call(caller) is IvrOutcome.ABANDONED
    ticket = (await _tickets(hotline_db))[-1]
    assert ticket.status is TicketStatus.ABANDONED_IN_IVR
    assert (ticket.kind, ticket.category, ticket.subcategory) == (
        TicketKind.COMPLAINT,
        "billing_dispute",
        None,
    )
    async with hotline_db() as db:
        history = await ticket_history(db, ticket.id)
        record = (await db.execute(select(IvrSession))).scalar_one()
    assert [a.action for a in history] == [TicketActionKind.ABANDON]
    assert record.outcome is IvrOutcome.ABANDONED and record.ticket_id == ticket.id
    assert record.path == "main>3>billing_dispute"
    assert "HOTLINE_OUTCOME" not in caller.variables


async def test_hang_up_before_choosing_leaves_no_ticket(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("3", HANGUP_NOW)
    assert await run_call(caller) is IvrOutcome.ABANDONED
    assert len(await _tickets(hotline_db)) == 2


async def test_connection_closed_cancels_the_handler_and_still_saves(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("3", "1", BLOCK)
    task = asyncio.create_task(run_call(caller))
    await asyncio.wait_for(caller.blocked.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    ticket = (await _tickets(hotline_db))[-1]
    assert ticket.status is TicketStatus.ABANDONED_IN_IVR
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
    assert record.outcome is IvrOutcome.ABANDONED and record.ended_at is not None
