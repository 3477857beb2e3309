from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.fault_categories import FAULT_CATEGORIES, REPLY_AFTER_FIX, fault_category
from storage.ticket_lifecycle import (
    TRANSITIONS,
    IllegalTicketMove,
    TicketActionKind,
    TicketKind,
    TicketStatus,
)
from storage.ticket_numbers import is_valid_ticket_number
from storage.tickets import (
    NewTicket,
    move_ticket,
    open_ticket,
    open_tickets_for_number,
    ticket_by_number,
    ticket_history,
    time_limits,
)

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def _new(kind: TicketKind, category: str | None, **kw: object) -> NewTicket:
    return NewTicket(
        kind=kind,
        category=category,
        prefecture="lanzhou",
        caller_number="13800000001",
        created_via="ivr",
        **kw,
    )  # type: ignore[arg-type]


def test_fault_time_limits_follow_seed_003() -> None:
    no_signal = fault_category("no_signal")
    assert no_signal.preprocess == timedelta(hours=1)
    assert no_signal.fix == timedelta(hours=24)
    assert no_signal.time_limit == timedelta(hours=25) + REPLY_AFTER_FIX
    border = fault_category("border_roaming")
    assert border.preprocess is None and border.time_limit == timedelta(hours=48, minutes=20)
    assert len(FAULT_CATEGORIES) == 9
    with pytest.raises(KeyError, match="unknown fault category 'nope'"):
        fault_category("nope")


def test_time_limits_by_kind() -> None:
    assert time_limits(TicketKind.COMPLAINT, "billing_dispute").due == timedelta(hours=24)
    assert time_limits(TicketKind.SUGGESTION, None).due is None
    assert time_limits(TicketKind.FAULT, "sms").response_due == timedelta(hours=2)
    assert time_limits(TicketKind.COMPLAINT, None).due is None


async def test_open_ticket_numbers_and_due_times(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        fault = await open_ticket(db, _new(TicketKind.FAULT, "call_quality"), NOW)
        complaint = await open_ticket(
            db, _new(TicketKind.COMPLAINT, "billing_dispute", subcategory="roaming"), NOW
        )
        await db.commit()
    assert fault.number is not None and is_valid_ticket_number(fault.number)
    assert fault.number != complaint.number
    assert fault.status is TicketStatus.ACCEPTED
    assert fault.response_due_at == NOW + timedelta(hours=2)
    assert fault.due_at == NOW + timedelta(hours=26, minutes=20)
    assert complaint.due_at == NOW + timedelta(hours=24)
    async with db_sessions() as db:
        loaded = await ticket_by_number(db, complaint.number or "")
        assert loaded is not None and loaded.subcategory == "roaming"
        history = await ticket_history(db, complaint.id)
        assert [(h.action, h.to_status) for h in history] == [
            (TicketActionKind.ACCEPT, TicketStatus.ACCEPTED)
        ]


async def test_unknown_category_is_refused(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        with pytest.raises(KeyError):
            await open_ticket(db, _new(TicketKind.FAULT, "billing_dispute"), NOW)


async def test_life_cycle_moves_are_checked_and_recorded(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with db_sessions() as db:
        t = await open_ticket(db, _new(TicketKind.COMPLAINT, "service_attitude"), NOW)
        await move_ticket(db, t, TicketStatus.DISPATCHED, TicketActionKind.DISPATCH, "agent1", NOW)
        with pytest.raises(IllegalTicketMove, match="cannot go from dispatched to archived"):
            await move_ticket(db, t, TicketStatus.ARCHIVED, TicketActionKind.ARCHIVE, "agent1", NOW)
        await move_ticket(db, t, TicketStatus.REPLIED, TicketActionKind.REPLY, "dept", NOW)
        await move_ticket(
            db, t, TicketStatus.CLOSED, TicketActionKind.CLOSE, "surveyor", NOW + timedelta(hours=1)
        )
        await db.commit()
        assert t.closed_at == NOW + timedelta(hours=1)
        history = await ticket_history(db, t.id)
        assert [h.to_status for h in history] == [
            TicketStatus.ACCEPTED, TicketStatus.DISPATCHED, TicketStatus.REPLIED, TicketStatus.CLOSED,
        ]  # fmt: skip
        assert history[2].from_status is TicketStatus.DISPATCHED


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(TicketStatus)
    assert TRANSITIONS[TicketStatus.ARCHIVED] == frozenset()


async def test_open_tickets_for_a_number(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        old = await open_ticket(db, _new(TicketKind.FAULT, "sms"), NOW - timedelta(hours=5))
        new = await open_ticket(db, _new(TicketKind.FAULT, "no_signal"), NOW)
        await open_ticket(db, _new(TicketKind.COMPLAINT, "other"), NOW)
        gone = await open_ticket(
            db, _new(TicketKind.FAULT, "caller_id", status=TicketStatus.ABANDONED_IN_IVR), NOW
        )
        await move_ticket(db, old, TicketStatus.REPLIED, TicketActionKind.REPLY, "dept", NOW)
        await db.commit()
        faults = await open_tickets_for_number(db, "13800000001", TicketKind.FAULT)
        assert [t.id for t in faults] == [new.id]
        assert new.is_overdue(NOW + timedelta(hours=26))
        assert not new.is_overdue(NOW + timedelta(hours=25))
        history = await ticket_history(db, gone.id)
        assert history[0].action is TicketActionKind.ABANDON
