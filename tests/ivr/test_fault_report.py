"""Fault report (故障申告): category → ticket with its time limit, or the status of an open one."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.ivr_records import IvrOutcome
from storage.ticket_lifecycle import TicketKind, TicketStatus
from storage.ticket_numbers import ticket_number_for
from storage.tickets import Ticket
from tests.ivr.conftest import NOW, Clock, Run
from tests.ivr.scripted_caller import HANGUP, ScriptedCaller


def h(*files: str) -> list[str]:
    return [f"hotline/{f}" for f in files]


async def _tickets(sessions: async_sessionmaker[AsyncSession]) -> list[Ticket]:
    async with sessions() as db:
        return list((await db.execute(select(Ticket).order_by(Ticket.id))).scalars())


async def test_new_fault_ticket_with_its_time_limit(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("4", "1", "1", "0")
    assert await run_call(caller) is IvrOutcome.QUEUED
    number = ticket_number_for(3)
    assert caller.heard == [
        *h("welcome", "main_menu", "language_offer", "fault_menu", "fault_signal_menu"),
        "hotline/ticket_number-1", f"digits:{number}", "hotline/ticket_number-2", f"digits:{number}",
        # no signal: 1 h pre-processing + 24 h fix + 20 min reply → "within 26 hours"
        "hotline/fault_registered-1", "number:26", "hotline/unit_hours", "hotline/fault_registered-2",
        "hotline/agent_or_back", "hotline/transfer_agent",
    ]  # fmt: skip
    ticket = (await _tickets(hotline_db))[-1]
    assert (ticket.kind, ticket.category, ticket.status) == (
        TicketKind.FAULT,
        "no_signal",
        TicketStatus.ACCEPTED,
    )
    assert ticket.response_due_at == ticket.created_at + timedelta(hours=1)
    assert ticket.due_at == ticket.created_at + timedelta(hours=25, minutes=20)
    assert caller.variables["HOTLINE_SKILL"] == "fault"
    assert caller.variables["HOTLINE_TICKET_ID"] == number
    assert caller.variables["HOTLINE_IVR_PATH"] == "main>4>1>no_signal>0"


async def test_fault_report_without_an_agent_is_self_service(run_call: Run) -> None:
    caller = ScriptedCaller.calling("4", "3", "1", HANGUP)  # SMS fault, then hangs up
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert "number:5" in caller.heard  # 2 h + 2 h + 20 min → 5 hours


async def test_open_fault_is_read_instead_of_a_duplicate(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    before = await _tickets(hotline_db)
    fault = next(t for t in before if t.kind is TicketKind.FAULT)
    caller = ScriptedCaller.calling("4", HANGUP, callerid="13800000002")
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    remaining = fault.due_at - NOW if fault.due_at else None
    assert remaining is not None
    hours = -(-int(remaining.total_seconds()) // 3600)
    assert caller.heard == [
        *h("welcome", "main_menu", "language_offer"),
        "hotline/fault_open-1", f"digits:{fault.number}", "hotline/status_in_progress",
        "hotline/fault_open_due-1", f"number:{hours}", "hotline/unit_hours", "hotline/fault_open_due-2",
        "hotline/agent_or_back",
    ]  # fmt: skip
    assert len(await _tickets(hotline_db)) == len(before)


async def test_overdue_fault_gets_an_apology(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller.calling("4", "0", callerid="13800000002")
    assert await run_call(caller, clock=Clock(NOW + timedelta(days=3))) is IvrOutcome.QUEUED
    assert caller.heard[-3:] == h("fault_open_overdue", "agent_or_back", "transfer_agent")
    fault = next(t for t in await _tickets(hotline_db) if t.kind is TicketKind.FAULT)
    assert caller.variables["HOTLINE_TICKET_ID"] == fault.number


async def test_an_open_fault_without_its_number_sends_the_caller_to_an_agent(
    run_call: Run, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    """A ticket row without its number (left half made by another writer) cannot be read out: an
    apology and an agent, as for any lookup that fails."""
    async with hotline_db() as db:
        faults = (await db.execute(select(Ticket).where(Ticket.kind == TicketKind.FAULT))).scalars()
        for fault in faults:
            fault.number = None
        await db.commit()
    caller = ScriptedCaller.calling("4", callerid="13800000002")
    assert await run_call(caller) is IvrOutcome.TRANSFERRED
    assert caller.heard[-2:] == h("system_error", "fallback_agent")
    assert (caller.variables["HOTLINE_SKILL"], caller.variables["HOTLINE_TICKET_ID"]) == ("fault", "")
