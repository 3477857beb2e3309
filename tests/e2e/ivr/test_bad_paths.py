"""Callers who do not follow the menu, through the whole stack: silence, wrong keys, wrong
PINs (the lock-out outlives the call), hanging up half-way, and a PBX missing digit sounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ivr.handoff import Handoff
from prompts.language import Language
from sim.callers import Caller, KeyStep
from sim.channel import Channel
from storage.customers import Customer
from storage.ivr_records import IvrOutcome
from storage.ticket_lifecycle import TicketKind, TicketStatus
from tests.e2e.ivr.conftest import SIM_PACE
from tests.e2e.ivr.sounds import placeholder_jobs, write_placeholders
from tests.e2e.ivr.stack import HotlineStack, hotline_stack

INTRO = ["hotline/welcome", "hotline/main_menu", "hotline/language_offer"]
MAIN_MENU = ["hotline/main_menu", "hotline/language_offer"]


def keys(digits: str) -> KeyStep:
    return KeyStep(digits, on="wait", delay_s=0.3, gap_s=1.0)


def hang_up_when(sound: str) -> Callable[[Caller], None]:
    """The caller puts the phone down as ``sound`` starts playing."""

    def arm(caller: Caller) -> None:
        def listener(chan: Channel, kind: str, what: str, escape: str) -> None:
            if chan is caller.channel and kind == "file" and what == sound:
                caller.hangup()

        caller.pbx.media_listeners.append(listener)

    return arm


async def test_silence_is_asked_again_twice_then_handed_to_an_agent(stack: HotlineStack) -> None:
    call = await stack.call("13800000001")
    assert call.heard == [
        *INTRO,
        "hotline/no_input",
        *MAIN_MENU,
        "hotline/no_input",
        *MAIN_MENU,
        "hotline/fallback_agent",
    ]
    assert call.files == call.heard_as_files()
    assert call.waits == [5000, 5000, 5000]
    handoff = Handoff.from_variables(call.variables)
    assert (handoff.skill, handoff.ivr_path) == ("general", "main>fallback")
    assert call.record.outcome is IvrOutcome.TRANSFERRED  # the IVR gave up, not the caller's choice
    assert call.step("main").result == "timeout"


async def test_three_invalid_keys_are_handed_to_an_agent(stack: HotlineStack) -> None:
    call = await stack.call("13800000001", keys("8"), keys("8"), keys("*"), keys("8"))
    assert call.heard == [
        *INTRO,
        "hotline/invalid_choice",
        *MAIN_MENU,
        "hotline/invalid_choice",
        *MAIN_MENU,  # "*" repeats the menu, and is no mistake
        *MAIN_MENU,
        "hotline/fallback_agent",
    ]
    assert call.record.outcome is IvrOutcome.TRANSFERRED and call.record.path == "main>fallback"
    assert (call.step("main").keys, call.step("main").result) == ("88*8", "invalid")


async def test_an_invalid_key_is_explained_and_the_menu_goes_on(stack: HotlineStack) -> None:
    call = await stack.call("13800000001", keys("8"), keys("3"), keys("6"))
    assert call.heard == [
        *INTRO,
        "hotline/invalid_choice",
        *MAIN_MENU,
        "hotline/complaint_menu",
        "hotline/suggestion_thanks",
        "hotline/goodbye",
    ]
    assert call.record.outcome is IvrOutcome.SELF_SERVED and call.record.path == "main>3>suggestion"
    assert call.step("main").keys == "83"
    [ticket] = call.tickets
    assert ticket.kind is TicketKind.SUGGESTION


async def test_three_wrong_pins_lock_self_service_for_this_call_and_the_next(stack: HotlineStack) -> None:
    first = await stack.call("13800000001", keys("2"), keys("111111#"), keys("222222#"), keys("333333#"))
    assert first.heard == [
        *INTRO,
        "hotline/enter_pin",
        "hotline/pin_wrong",
        "hotline/enter_pin",
        "hotline/pin_wrong",
        "hotline/enter_pin",
        "hotline/pin_locked",
        "hotline/transfer_agent",
    ]
    assert [s.result for s in first.steps if s.node == "bill_check_pin"] == ["wrong", "wrong", "locked"]
    assert {s.keys for s in first.steps if s.node == "bill_pin"} == {"******"}
    assert Handoff.from_variables(first.variables).skill == "billing"
    assert first.record.outcome is IvrOutcome.QUEUED
    async with stack.sessions() as db:
        customer = (await db.execute(select(Customer).where(Customer.number == "13800000001"))).scalar_one()
    assert customer.pin_locked_until is not None and customer.pin_locked_until > datetime.now(UTC)

    # calling again (with the right PIN ready) does not get a fourth try
    second = await stack.call("13800000001", keys("2"), keys("123456#"))
    assert second.heard == [*INTRO, "hotline/pin_locked", "hotline/transfer_agent"]
    assert second.step("bill_pin_status").result == "locked" and "bill_pin" not in second.nodes
    assert Handoff.from_variables(second.variables).skill == "billing"
    assert second.record.outcome is IvrOutcome.QUEUED


async def test_hanging_up_mid_menu_keeps_the_complaint_begun_as_abandoned_in_ivr(stack: HotlineStack) -> None:
    call = await stack.call(
        "13800000001", keys("3"), keys("1"), on_start=hang_up_when("hotline/billing_dispute_menu")
    )
    assert call.heard == [*INTRO, "hotline/complaint_menu", "hotline/billing_dispute_menu"]
    assert (
        call.variables["AGISTATUS"] == "HANGUP" and call.variables["HOTLINE_OUTCOME"] == ""
    )  # as the dialplan set it
    [ticket] = call.tickets
    assert (ticket.kind, ticket.category, ticket.subcategory, ticket.status) == (
        TicketKind.COMPLAINT,
        "billing_dispute",
        None,
        TicketStatus.ABANDONED_IN_IVR,
    )
    assert call.record.outcome is IvrOutcome.ABANDONED and call.record.ticket_id == ticket.id
    assert call.record.ended_at is not None and call.record.path == "main>3>billing_dispute"
    assert (call.steps[-1].node, call.steps[-1].result) == ("billing_dispute", "hangup")
    assert call.acd_saw is None


async def test_hanging_up_at_the_main_menu_leaves_an_abandoned_record_and_no_ticket(
    stack: HotlineStack,
) -> None:
    call = await stack.call("13800000001", on_start=hang_up_when("hotline/main_menu"))
    assert call.heard == ["hotline/welcome", "hotline/main_menu"]
    assert call.record.outcome is IvrOutcome.ABANDONED and call.tickets == []
    assert call.nodes == ["identify", "welcome", "main"]


async def test_hanging_up_after_hearing_the_bill_counts_as_self_served(stack: HotlineStack) -> None:
    call = await stack.call(
        "13800000001", keys("2"), keys("123456#"), on_start=hang_up_when("hotline/bill_menu")
    )
    assert call.heard[-1] == "hotline/bill_menu" and "hotline/bill_balance-1" in call.heard
    assert call.record.outcome is IvrOutcome.SELF_SERVED and call.tickets == []


async def test_digit_sounds_missing_on_the_pbx_the_bill_is_still_read_and_the_call_goes_on(
    seeded_database: str, tmp_path: Path
) -> None:
    # like the test Asterisk: English digits/0-9 only, so SAY NUMBER 88 (digits/80) fails
    sounds = tmp_path / "sounds"
    tens = {f"digits/{n}" for n in range(10, 100)} | {"digits/hundred", "digits/thousand"}
    write_placeholders(
        sounds,
        SIM_PACE,
        jobs=[j for j in placeholder_jobs() if not (j.folder is Language.EN and j.name in tens)],
    )
    async with hotline_stack(seeded_database, sounds) as stack:
        call = await stack.call("13800000005", keys("2"), keys("567890#"))  # John Smith, 88.08 yuan
    balance = call.heard.index("hotline/bill_balance-1")
    assert call.heard[balance : balance + 5] == [
        "hotline/bill_balance-1",
        "number:88",  # answered result=-1: digits/80 is missing
        "hotline/unit_yuan",
        "number:8",
        "hotline/unit_fen",
    ]
    assert call.heard[-4:] == [
        "hotline/bill_menu",
        "hotline/no_input",
        "hotline/bill_menu",
        "hotline/goodbye",
    ]
    files = call.files
    assert (
        "digits/80" not in files and files[files.index("hotline/bill_balance-1") + 1] == "hotline/unit_yuan"
    )
    assert call.variables["HOTLINE_OUTCOME"] == "selfserved"
    assert call.variables["AGISTATUS"] == "FAILURE"  # as Asterisk reports an AGI with a failed command
    assert call.record.outcome is IvrOutcome.SELF_SERVED
