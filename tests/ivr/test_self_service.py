"""Self-service in the IVR: a service order with the PIN and a read-back, a provisioning failure told
to the caller, a lost phone suspended with the ID document's last digits, ticket progress, and the
VIP menu (callback, account manager, data)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.provisioning import Provisioned, ProvisioningFailed, ProvisioningRequest
from storage.callback_requests import CustomerCallback
from storage.customers import Customer
from storage.ivr_records import IvrOutcome, IvrSession, ivr_steps
from storage.lines import Line, LineService, LineStatus
from storage.service_orders import OrderAction, OrderStatus, ServiceOrder
from storage.ticket_lifecycle import TicketKind
from storage.tickets import NewTicket, open_ticket
from tests.ivr.conftest import NOW, Run
from tests.ivr.scripted_caller import HANGUP, TIMEOUT, ScriptedCaller

Sessions = async_sessionmaker[AsyncSession]


def h(*files: str) -> list[str]:
    return [f"hotline/{f}" for f in files]


async def orders(sessions: Sessions) -> list[ServiceOrder]:
    async with sessions() as db:
        return list((await db.execute(select(ServiceOrder).order_by(ServiceOrder.id))).scalars())


async def services_on(sessions: Sessions, number: str) -> list[str]:
    async with sessions() as db:
        stmt = (
            select(LineService.code).join(Line, Line.id == LineService.line_id).where(Line.number == number)
        )
        return sorted((await db.execute(stmt)).scalars())


MOBILE_CHOICES = ["call_forwarding", "ring_back_tone", "data_pack_5g", "sms_pack_100", "intl_roaming"]


async def test_an_order_with_the_pin_a_read_back_and_the_order_number(
    run_call: Run, hotline_db: Sessions
) -> None:
    caller = ScriptedCaller.calling("5", "123456#", "1", "2", "1", HANGUP)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    [order] = await orders(hotline_db)
    assert (order.status, order.action, order.item, order.channel) == (
        OrderStatus.DONE, OrderAction.ORDER, "ring_back_tone", "ivr",
    )  # fmt: skip
    assert order.number is not None and order.ivr_session_id is not None
    assert await services_on(hotline_db, "13800000001") == ["caller_id", "ring_back_tone"]
    offer = [f for f in caller.heard if f.startswith("hotline/order_item_")]
    assert offer == h(*(f"order_item_{code}" for code in MOBILE_CHOICES), "order_item_ring_back_tone")
    start = caller.heard.index("hotline/order_readback_order-1")
    # (a piece that is only punctuation is silent: "您要开通{item}，" is one file and the name)
    assert caller.heard[start:] == [
        *h("order_readback_order-1", "order_item_ring_back_tone"),
        "hotline/order_fee_monthly-1", "number:5", "hotline/unit_yuan",
        "hotline/order_effective_now", "hotline/order_confirm",
        "hotline/order_done-1", f"digits:{order.number}", "hotline/order_done-2", f"digits:{order.number}",
        "hotline/agent_or_back",
    ]  # fmt: skip
    assert caller.entries == [(5000, 8)]  # the PIN, one GET DATA
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
        steps = [(s.node, s.keys, s.result) for s in await ivr_steps(db, record.id)]
    assert ("order_pin", "******", "entered") in steps and ("order_place", "", "done") in steps
    assert record.path == "main>5>order>confirm"


async def test_dropping_the_order_at_the_read_back_changes_nothing(
    run_call: Run, hotline_db: Sessions
) -> None:
    caller = ScriptedCaller.calling("5", "123456#", "1", "3", "2", HANGUP)
    assert await run_call(caller) is IvrOutcome.ABANDONED
    assert "hotline/order_dropped" in caller.heard
    assert await orders(hotline_db) == [] and await services_on(hotline_db, "13800000001") == ["caller_id"]


class BrokenBss:
    """A BSS that refuses every order."""

    name = "bss"

    async def apply(self, request: ProvisioningRequest) -> Provisioned:
        raise ProvisioningFailed("rejected", "the BSS is down for maintenance")

    async def applied(self, order_number: str) -> Provisioned | None:
        return None


async def test_a_provisioning_failure_is_told_and_leaves_nothing_applied(
    run_call: Run, hotline_db: Sessions
) -> None:
    caller = ScriptedCaller.calling("5", "123456#", "2", "1", "1", HANGUP)  # cancel caller ID
    await run_call(caller, provisioning=BrokenBss())
    [order] = await orders(hotline_db)
    assert (order.status, order.action, order.failure) == (
        OrderStatus.FAILED, OrderAction.CANCEL, "rejected: the BSS is down for maintenance",
    )  # fmt: skip
    assert caller.heard[-3:] == ["hotline/order_failed-1", f"digits:{order.number}", "hotline/agent_or_back"]
    assert await services_on(hotline_db, "13800000001") == ["caller_id"]  # still there


async def line_status(sessions: Sessions, number: str) -> LineStatus:
    async with sessions() as db:
        return (await db.execute(select(Line.status).where(Line.number == number))).scalar_one()


async def test_a_lost_phone_is_suspended_from_another_phone_with_the_id_document(
    run_call: Run, hotline_db: Sessions
) -> None:
    # 13800000002's ID document ends in X: the caller keys 0
    caller = ScriptedCaller.calling("6", "13800000002#", "2", "051230", HANGUP, callerid="13912345678")
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert await line_status(hotline_db, "13800000002") is LineStatus.SUSPENDED_LOST
    [order] = await orders(hotline_db)
    assert (order.action, order.status, order.caller_number) == (
        OrderAction.SUSPEND_LOST, OrderStatus.DONE, "13912345678",
    )  # fmt: skip
    assert caller.heard[-8:] == [
        "hotline/lost_suspended-1", "digits:13800000002", "hotline/lost_suspended-2",
        f"digits:{order.number}", "hotline/lost_suspended-3", f"digits:{order.number}",
        "hotline/lost_suspended-4", "hotline/agent_or_back",
    ]  # fmt: skip
    assert caller.entries == [(5000, 12), (5000, 6)]  # the number, the ID's last digits: one GET DATA each
    # the same number again: already suspended
    again = ScriptedCaller.calling("6", "13800000002#", HANGUP, callerid="13912345678")
    await run_call(again)
    assert "hotline/lost_already" in again.heard


async def test_wrong_id_digits_lock_and_the_caller_jumps_the_queue(
    run_call: Run, hotline_db: Sessions
) -> None:
    caller = ScriptedCaller.calling(
        "6", "13800000001#", "2", "111111", "222222", "333333", callerid="13912345678"
    )
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.heard[-2:] == h("pin_locked", "emergency_transfer")
    assert caller.variables["HOTLINE_SKILL"] == "emergency"
    assert (
        await line_status(hotline_db, "13800000001") is LineStatus.ACTIVE and await orders(hotline_db) == []
    )


async def test_the_pin_suspends_a_lost_phone_too(run_call: Run, hotline_db: Sessions) -> None:
    caller = ScriptedCaller.calling("6", "13800000005#", "1", "567890#", HANGUP)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert await line_status(hotline_db, "13800000005") is LineStatus.SUSPENDED_LOST


async def test_a_caller_hears_the_status_of_a_complaint(run_call: Run, hotline_db: Sessions) -> None:
    async with hotline_db() as db:
        customer = (await db.execute(select(Customer).where(Customer.number == "13800000001"))).scalar_one()
        ticket = await open_ticket(
            db,
            NewTicket(kind=TicketKind.COMPLAINT, prefecture="lanzhou", caller_number="13800000001",
                      created_via="agent", category="service_attitude", customer_id=customer.id),
            NOW - timedelta(hours=2),
        )  # fmt: skip
        await db.commit()
    caller = ScriptedCaller.calling("7", TIMEOUT, TIMEOUT)
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert ticket.number is not None and ticket.due_at is not None
    hours_left = int((ticket.due_at - NOW).total_seconds() // 3600)
    assert caller.heard[3:11] == [
        "hotline/progress_ticket-1", "hotline/kind_complaint", "hotline/progress_ticket-2",
        f"digits:{ticket.number}", "hotline/status_accepted",
        "hotline/fault_open_due-1", f"number:{hours_left}", "hotline/unit_hours",
    ]  # fmt: skip
    assert caller.heard[-1] == "hotline/goodbye"


async def test_a_caller_keys_another_tickets_number(run_call: Run) -> None:
    caller = ScriptedCaller.calling("7", "00000018#", TIMEOUT, TIMEOUT, callerid="13912345678")
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard[3:6] == h("progress_none", "progress_ask", "progress_ticket-1")
    assert "digits:00000018" in caller.heard and "hotline/status_in_progress" in caller.heard


async def test_a_vip_books_a_callback_for_the_account_manager(run_call: Run, hotline_db: Sessions) -> None:
    caller = ScriptedCaller.calling("8", "2", HANGUP, callerid="13800000003")
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard[:5] == h(
        "greeting_vip", "vip_menu", "language_offer", "vip_manager_menu", "vip_callback_manager"
    )
    async with hotline_db() as db:
        callback = (await db.execute(select(CustomerCallback))).scalar_one()
    assert (callback.number, callback.for_whom, callback.prefecture) == ("13800000003", "孙经理", "jiuquan")


async def test_a_vip_goes_to_the_account_manager_with_a_senior_behind(run_call: Run) -> None:
    caller = ScriptedCaller.calling("8", "1", callerid="13800000004")
    assert await run_call(caller) is IvrOutcome.QUEUED
    assert caller.variables["HOTLINE_DIAL"] == "8102"
    assert (caller.variables["HOTLINE_SKILL"], caller.variables["HOTLINE_MIN_LEVEL"]) == ("general", "senior")
    assert caller.heard[-1] == "hotline/vip_manager_connect"
    no_vip = ScriptedCaller.calling("8", callerid="13800000006")  # important, not VIP: the main menu
    assert await run_call(no_vip) is IvrOutcome.TRANSFERRED  # 8 is no option there
    assert "HOTLINE_DIAL" not in no_vip.variables


async def test_a_vip_hears_their_lines_services_and_open_tickets(run_call: Run) -> None:
    caller = ScriptedCaller.calling("7", HANGUP, callerid="13800000004")
    assert await run_call(caller) is IvrOutcome.SELF_SERVED
    assert caller.heard[3:6] == ["hotline/vip_lines-1", "number:3", "hotline/vip_lines-2"]
    assert h("vip_services", "order_item_fixed_ip", "order_item_call_waiting") == caller.heard[6:9]
    assert "hotline/progress_none" in caller.heard
