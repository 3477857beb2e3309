"""One call per hotline service through the whole stack: ``hotline sim`` running the shipped
dialplan, a scripted caller keying in on cue, our FastAGI server and IVR, the database.

Each test checks what the caller heard (the STREAM FILE / SAY commands from the AMI
``AGIExecStart`` events, and the same as files played on the simulated channel), what was read
back (amounts, dates, ticket numbers), the hand-off variables the dialplan and the ACD read, and
what the call left in the database (IVR record and steps, tickets).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ivr.handoff import AgentLevel, Handoff
from prompts.language import Language
from sim.callers import KeyStep
from sim.distributions import Fixed
from sim.phones import PhoneProfile
from storage.ivr_records import IvrOutcome
from storage.knowledge import Topic, entries_for
from storage.ticket_lifecycle import TicketKind, TicketStatus
from storage.tickets import Ticket, time_limits
from tests.e2e.ivr.accounts import KNOWN_CHARGES_HEARD, known_bill_heard, set_known_bill
from tests.e2e.ivr.conftest import hotline_today
from tests.e2e.ivr.stack import FinishedCall, HotlineStack

INTRO = ["hotline/welcome", "hotline/main_menu", "hotline/language_offer"]
GOODBYE_AFTER_SILENCE = ["hotline/no_input", "hotline/goodbye"]


def keys(digits: str) -> KeyStep:
    """The caller hears the prompt out, then keys ``digits`` (a second between two keys)."""
    return KeyStep(digits, on="wait", delay_s=0.3, gap_s=1.0)


def assert_heard(call: FinishedCall, expected: list[str]) -> None:
    assert call.heard == expected
    # the simulated channel played exactly that (SAY NUMBER / SAY DIGITS as digits/ files)
    assert call.files == call.heard_as_files()


async def test_consultation_reads_the_knowledge_of_a_topic_then_queues_for_an_agent(
    stack: HotlineStack,
) -> None:
    async with stack.sessions() as db:
        tariffs = await entries_for(db, Topic.TARIFFS, Language.ZH, "lanzhou", now=datetime.now(UTC))
    assert [e.key for e in tariffs[:2]] == ["plan_38", "plan_58"] and len(tariffs) == 10
    call = await stack.call("13800000001", keys("1"), keys("1"), keys("0"))
    assert_heard(
        call,
        [
            *INTRO,
            "hotline/consult_menu",
            "hotline/kb_intro",
            *(f"hotline/{e.prompt_id}" for e in tariffs),  # the first ten, in order
            "hotline/kb_end",
            "hotline/consult_menu",
            "hotline/transfer_agent",
        ],
    )
    handoff = Handoff.from_variables(call.variables)
    assert (handoff.skill, handoff.min_level, handoff.priority) == ("consultation", AgentLevel.JUNIOR, 0)
    assert handoff.ivr_path == "main>1>tariffs>0"
    assert handoff.ivr_session == str(call.record.id)
    assert (call.record.outcome, call.record.skill, call.record.path) == (
        IvrOutcome.QUEUED,
        "consultation",
        "main>1>tariffs>0",
    )
    assert call.nodes == [
        "identify",
        "welcome",
        "main",
        "consult",
        "kb_tariffs",
        "consult",
        "agent_consultation",
    ]
    assert [s.keys for s in call.steps if s.node_type == "choice"] == ["1", "1", "0"]


async def test_bill_query_reads_balance_bill_and_charges_back(stack: HotlineStack) -> None:
    due = await set_known_bill(stack.sessions, "13800000001", hotline_today())
    call = await stack.call("13800000001", keys("2"), keys("123456#"), keys("1"))
    assert_heard(
        call,
        [
            *INTRO,
            "hotline/enter_pin",
            *known_bill_heard(due),
            "hotline/bill_menu",
            *KNOWN_CHARGES_HEARD,  # 1: the latest charges, newest first
            # then silence: asked once more, then goodbye
            "hotline/charges_menu",
            "hotline/no_input",
            "hotline/charges_menu",
            "hotline/goodbye",
        ],
    )
    assert call.caller.record is not None
    assert [d for _, d in call.caller.record.keys_pressed] == list("2123456#1")
    assert call.waits == [5000, 5000, 5000, 5000]  # main menu, bill menu, charges menu twice
    assert [line for line in call.commands if line.startswith("GET DATA")] == [
        "GET DATA hotline/enter_pin 5000 8"
    ]
    assert call.variables["HOTLINE_OUTCOME"] == "selfserved" and "HOTLINE_SKILL" not in call.variables
    assert call.record.outcome is IvrOutcome.SELF_SERVED and call.record.path == "main>2>charges"
    assert call.record.customer_id == 1 and call.tickets == []  # 13800000001, the first demo customer
    # the PIN is checked, masked in the record and never sent anywhere
    assert call.step("bill_pin").keys == "******" and call.step("bill_check_pin").result == "ok"
    assert not [line for line in call.commands if "123456" in line.replace("0123456789*#", "")]
    assert call.nodes[-4:] == ["bill_menu", "bill_charges", "charges_menu", "goodbye"]


async def test_complaint_from_a_vip_opens_a_ticket_reads_its_number_and_queues_for_a_senior(
    stack: HotlineStack,
) -> None:
    call = await stack.call("13800000003", keys("3"), keys("1"), keys("3"))
    [ticket] = call.tickets
    assert ticket.number is not None
    assert_heard(
        call,
        [
            "hotline/greeting_vip",
            "hotline/vip_menu",
            "hotline/language_offer",
            "hotline/complaint_menu",
            "hotline/billing_dispute_menu",
            "hotline/complaint_registered",
            "hotline/ticket_number-1",
            f"digits:{ticket.number}",
            "hotline/ticket_number-2",
            f"digits:{ticket.number}",
            "hotline/transfer_agent",
        ],
    )
    assert (ticket.kind, ticket.category, ticket.subcategory, ticket.status) == (
        TicketKind.COMPLAINT,
        "billing_dispute",
        "usage",
        TicketStatus.ACCEPTED,
    )
    assert (ticket.created_via, ticket.caller_number, ticket.prefecture) == ("ivr", "13800000003", "jiuquan")
    assert ticket.due_at is not None and ticket.due_at - ticket.created_at == timedelta(hours=24)
    handoff = Handoff.from_variables(call.variables)
    # seed 000: complaints from VIP customers go to a senior agent, before normal callers
    assert (handoff.skill, handoff.min_level, handoff.segment.value) == (
        "complaint",
        AgentLevel.SENIOR,
        "vip",
    )
    assert handoff.priority == 21 and handoff.ticket_id == ticket.number
    assert handoff.ivr_path == "vip_main>3>billing_dispute>usage" and handoff.prefecture == "jiuquan"
    assert call.record.outcome is IvrOutcome.QUEUED and call.record.ticket_id == ticket.id
    assert call.record.segment == "vip" and call.step("complaint_ticket").result == ticket.number


async def test_suggestion_keyed_during_the_prompts_is_recorded_and_the_caller_thanked(
    stack: HotlineStack,
) -> None:
    # a caller who knows the menu: 3 while the main menu plays, 6 while the complaint menu plays
    call = await stack.call(
        "13800000005",
        KeyStep("3", on="hotline/main_menu", delay_s=0.1),
        KeyStep("6", on="hotline/complaint_menu", delay_s=0.1),
    )
    assert_heard(
        call,
        [
            "hotline/welcome",
            "hotline/main_menu",
            "hotline/complaint_menu",
            "hotline/suggestion_thanks",
            "hotline/goodbye",
        ],
    )
    assert [(i.what, i.interrupted_by) for i in call.channel.heard] == [
        ("hotline/welcome", None),
        ("hotline/main_menu", "3"),
        ("hotline/complaint_menu", "6"),
        ("hotline/suggestion_thanks", None),
        ("hotline/goodbye", None),
    ]
    assert call.channel.language == "en"  # John Smith's language, set by the IVR
    [ticket] = call.tickets
    assert (ticket.kind, ticket.category, ticket.status, ticket.due_at) == (
        TicketKind.SUGGESTION,
        None,
        TicketStatus.ACCEPTED,
        None,
    )
    assert call.variables["HOTLINE_OUTCOME"] == "selfserved"
    assert call.record.outcome is IvrOutcome.SELF_SERVED and call.record.language == "en"
    assert call.record.path == "main>3>suggestion" and call.record.ticket_id == ticket.id


async def test_fault_report_opens_a_fault_ticket_and_tells_its_time_limit(stack: HotlineStack) -> None:
    call = await stack.call("13800000001", keys("4"), keys("1"), keys("1"))
    [ticket] = call.tickets
    limit = time_limits(TicketKind.FAULT, "no_signal").due
    assert limit is not None
    hours = math.ceil(limit.total_seconds() / 3600)
    assert_heard(
        call,
        [
            *INTRO,
            "hotline/fault_menu",
            "hotline/fault_signal_menu",
            "hotline/ticket_number-1",
            f"digits:{ticket.number}",
            "hotline/ticket_number-2",
            f"digits:{ticket.number}",
            "hotline/fault_registered-1",
            f"number:{hours}",
            "hotline/unit_hours",
            "hotline/fault_registered-2",
            "hotline/agent_or_back",
            "hotline/no_input",
            "hotline/agent_or_back",
            "hotline/goodbye",
        ],
    )
    assert (ticket.kind, ticket.category, ticket.status) == (
        TicketKind.FAULT,
        "no_signal",
        TicketStatus.ACCEPTED,
    )
    assert ticket.due_at is not None and ticket.due_at - ticket.created_at == limit
    assert call.variables["HOTLINE_OUTCOME"] == "selfserved"
    assert call.record.outcome is IvrOutcome.SELF_SERVED  # told the ticket and the time limit
    assert call.record.path == "main>4>1>no_signal" and call.record.ticket_id == ticket.id


async def test_fault_report_with_an_open_fault_ticket_reads_its_status_instead(stack: HotlineStack) -> None:
    now = datetime.now(UTC)
    async with stack.sessions() as db:
        open_fault = (
            await db.execute(
                select(Ticket).where(Ticket.caller_number == "13800000002", Ticket.kind == TicketKind.FAULT)
            )
        ).scalar_one()
        open_fault.due_at = now + timedelta(hours=5, minutes=30)  # "within 6 hours"
        await db.commit()
    assert open_fault.number == "00000018"  # the seeded one (demo/data.py)

    call = await stack.call("13800000002", keys("4"), keys("0"))

    assert_heard(
        call,
        [
            *INTRO,
            "hotline/fault_open-1",
            "digits:00000018",
            "hotline/status_in_progress",
            "hotline/fault_open_due-1",
            "number:6",
            "hotline/unit_hours",
            "hotline/fault_open_due-2",
            "hotline/agent_or_back",
            "hotline/transfer_agent",
        ],
    )
    assert call.tickets == []  # no duplicate
    handoff = Handoff.from_variables(call.variables)
    assert (handoff.skill, handoff.ticket_id, handoff.prefecture) == ("fault", "00000018", "tianshui")
    assert call.record.outcome is IvrOutcome.QUEUED and call.record.ticket_id == open_fault.id
    assert call.record.path == "main>4>0" and call.step("fault").result == "open"


async def test_zero_at_the_vip_menu_queues_for_a_senior(stack: HotlineStack) -> None:
    call = await stack.call("13800000004", keys("0"))
    assert_heard(
        call,
        [
            "hotline/greeting_private_line",
            "hotline/vip_menu",
            "hotline/language_offer",
            "hotline/transfer_agent",
        ],
    )
    handoff = Handoff.from_variables(call.variables)
    assert (handoff.skill, handoff.min_level, handoff.segment.value, handoff.priority) == (
        "general",
        AgentLevel.SENIOR,  # 大客户服务: a senior directly
        "private_line",
        10,
    )
    assert handoff.ivr_path == "vip_main>0" and handoff.ticket_id == ""
    assert call.acd_saw is not None and Handoff.from_variables(call.acd_saw) == handoff  # what the ACD reads
    assert (call.record.outcome, call.record.skill, call.record.path) == (
        IvrOutcome.QUEUED,
        "general",
        "vip_main>0",
    )
    assert call.nodes == ["identify", "greet_private_line", "vip_main", "agent_vip"]


async def test_zero_at_the_main_menu_queues_for_a_general_agent(stack: HotlineStack) -> None:
    call = await stack.call("13800000005", keys("0"))
    assert call.heard[-1] == "hotline/transfer_agent"
    handoff = Handoff.from_variables(call.variables)
    assert (handoff.skill, handoff.min_level, handoff.segment.value, handoff.ivr_path) == (
        "general", AgentLevel.JUNIOR, "normal", "main>0",
    )  # fmt: skip
    assert call.nodes == ["identify", "welcome", "main", "agent_general"]


async def test_a_vip_is_put_through_to_their_account_manager(stack: HotlineStack) -> None:
    """8 in the VIP menu: the dialplan rings the manager's phone ([account-manager]); they answer."""
    stack.sim.add_phone(PhoneProfile("8102", ring=Fixed(1.0), talk=Fixed(2.0)))  # 钱经理
    call = await stack.call("13800000004", keys("8"), keys("1"))
    assert call.heard[-1] == "hotline/vip_manager_connect"
    assert call.variables["HOTLINE_DIAL"] == "8102" and call.variables["DIALSTATUS"] == "ANSWER"
    assert call.acd_saw is None  # the manager took it: nobody waits in line
    assert call.record.outcome is IvrOutcome.QUEUED and call.step("vip_manager").result == "dial"


async def test_an_account_manager_who_does_not_answer_leaves_the_vip_to_a_senior(stack: HotlineStack) -> None:
    stack.sim.add_phone(PhoneProfile("8102", answers=False))
    call = await stack.call("13800000004", keys("8"), keys("1"))
    assert call.variables["DIALSTATUS"] == "NOANSWER"
    assert call.acd_saw is not None  # then [acd-wait], with the IVR's hand-off
    handoff = Handoff.from_variables(call.acd_saw)
    assert (handoff.skill, handoff.min_level, handoff.segment.value) == (
        "general",
        AgentLevel.SENIOR,
        "private_line",
    )
