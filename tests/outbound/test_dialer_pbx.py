"""The wired dialer and its scripts on ``hotline sim`` and on the real Asterisk 22 (``--pbx``),
running the SHIPPED dialplan's ``[outbound-*]`` contexts; customers are Local channels
(tests/outbound/pbx_phones.py) that answer and key in, are busy, do not answer, or hang up mid-script.

* the 回访: a low score reopens the ticket to the manager hotline, a good one closes it and leaves
  a voice comment; results in ``survey_results``;
* an automated arrears reminder: a promise to pay keyed in as MMDD, stored on the account;
* outcomes: busy, no answer (rings 15 s), hung up in the script — with Asterisk's causes.

The dialer's clock starts on a Monday at 10:00 in Shanghai and runs at real speed, so calling
windows never depend on when the test runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from node.root import Node, Parts, running_node
from node.settings import load_settings
from outbound.campaign import Campaign, CampaignEvent, CampaignKind
from outbound.contact import Contact, ContactStatus
from outbound.pacing import AutomatedPacing
from storage.agents import AgentRecord
from storage.outbound_results import ArrearsOutcome, Rating, ReminderResult, SurveyResult, rating_of
from storage.ticket_lifecycle import TicketActionKind, TicketKind, TicketStatus
from storage.tickets import NewTicket, move_ticket, open_ticket, ticket_by_number, ticket_history
from tests.outbound.pbx_phones import KeyPad, write_extensions
from tests.support.pbx import parametrize_pbx_kind, running_pbx

pytestmark = pytest.mark.conformance

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 10, 13, 10, 0, tzinfo=SH)  # a Monday


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


class RealSpeedClock:
    """Time from START at real speed, one for the node's outbound and workflow parts (with the
    system's clock the workflow watch would find the test's tickets a year overdue)."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def __call__(self) -> datetime:
        return START + timedelta(seconds=time.monotonic() - self._t0)

    def now(self) -> float:
        return self().timestamp()


@contextlib.asynccontextmanager
async def outbound_node(tmp_path: Path, pbx_kind: str) -> AsyncIterator[Node]:
    extensions = write_extensions(tmp_path)
    with running_pbx(pbx_kind, extensions=extensions) as pbx:
        settings = load_settings(
            storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'cti.sqlite3'}"},
            ami={"host": "127.0.0.1", "port": pbx.ami_port, "username": pbx.username, "secret": pbx.secret},
            agi={"host": "127.0.0.1", "port": 0},
            outbound={
                "channel": "Local/{number}@test-callee",
                "tick_s": 0.2,
                "survey_delay_h": 0,
                "survey_comment_s": 3,
                "comments_dir": str(tmp_path),
            },
        )
        clock = RealSpeedClock()
        parts = Parts(
            ivr=False,
            acd=False,
            recordings=False,
            api=False,
            outbound=True,
            outbound_clock=clock,
            workflow_clock=clock,
        )
        async with running_node(settings, parts=parts) as node:
            await node.ami.wait_connected(timeout_s=10)
            await node.ami.setvar("HOTLINE_AGI", f"agi://127.0.0.1:{node.agi.port}")
            yield node


async def until(predicate: Callable[[], Awaitable[bool]], timeout_s: float = 60.0) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if await predicate():
                return
            await asyncio.sleep(0.2)


async def ticket_waiting_for_callback(node: Node, number: str) -> str:
    async with node.sessions() as db:
        ticket = await open_ticket(
            db, NewTicket(TicketKind.COMPLAINT, "lanzhou", number, "agent", category="billing_dispute"), START
        )
        await move_ticket(db, ticket, TicketStatus.CALLBACK, TicketActionKind.CALLBACK, "user-1", START)
        await db.commit()
    assert node.outbound is not None
    await node.outbound.callbacks.enlist(ticket, "agent-1001")
    assert ticket.number is not None
    return ticket.number


async def test_survey_reopens_a_low_score_and_closes_a_good_one(tmp_path: Path, pbx_kind: str) -> None:
    async with outbound_node(tmp_path, pbx_kind) as node:
        assert node.outbound is not None
        pad = KeyPad(node.ami, {"13800000001": "121", "13800000002": "5451"})
        async with pad.running():
            unhappy = await ticket_waiting_for_callback(node, "13800000001")
            happy = await ticket_waiting_for_callback(node, "13800000002")

            async def both_done() -> bool:
                contacts = await node.outbound.campaigns.contacts(node.settings.outbound.survey_campaign)  # type: ignore[union-attr]
                return len(contacts) == 2 and all(c.contact.status.final for c in contacts)

            await until(both_done, 90)
        async with node.sessions() as db:
            results = {r.ticket_number: r for r in (await db.execute(select(SurveyResult))).scalars()}
            low, good = await ticket_by_number(db, unhappy), await ticket_by_number(db, happy)
            assert low is not None and good is not None
            low_history = await ticket_history(db, low.id)
        assert pad.pressed == {"13800000001": "121", "13800000002": "5451"}
        assert (results[unhappy].q1, results[unhappy].q2, results[unhappy].q3) == (1, 2, 1)
        assert results[unhappy].score == pytest.approx(4 / 3) and results[unhappy].reopened
        assert results[unhappy].agent_id is None  # the ticket's actor user-1 is not in the directory
        assert low.status is TicketStatus.DISPATCHED
        assert low_history[-1].action is TicketActionKind.REOPEN and "manager_hotline" in low_history[-1].note
        assert results[happy].score == pytest.approx(14 / 3) and not results[happy].reopened
        assert good.status is TicketStatus.CLOSED
        assert results[happy].comment_file == str(tmp_path / f"{happy}-{results[happy].uniqueid}.wav")
        outcomes = {a.number: a.outcome for a in await node.outbound.attempts.of_campaign("callback-survey")}
        assert outcomes == {"13800000001": "completed", "13800000002": "completed"}


async def test_an_automated_reminder_records_a_promise_to_pay(tmp_path: Path, pbx_kind: str) -> None:
    async with outbound_node(tmp_path, pbx_kind) as node:
        assert node.outbound is not None
        store = node.outbound.campaigns
        now = START
        campaign = Campaign("arrears-test", "arrears", CampaignKind.ARREARS_REMINDER, AutomatedPacing(2))
        await store.create(campaign, prefecture=None, created_by="test", now=now)
        extra = (("amount_due", "12345"), ("due_date", "2025-10-05"))
        await store.add_contacts(
            "arrears-test", [Contact("13800000003", "张三", "lanzhou", "13800000003:2025-09", extra)], now
        )
        # 2 = promise, then a date that is not one (1345), then 20 October
        pad = KeyPad(node.ami, {"13800000003": "213451020"})
        async with pad.running():
            await store.move("arrears-test", CampaignEvent.START, now)

            async def done() -> bool:
                (c,) = await store.contacts("arrears-test")
                return c.contact.status.final

            await until(done, 90)
        async with node.sessions() as db:
            (outcome,) = (await db.execute(select(ArrearsOutcome))).scalars()
        assert (outcome.account_number, outcome.result, outcome.promised_for, outcome.amount_due_fen) == (
            "13800000003",
            ReminderResult.PROMISE,
            date(2025, 10, 20),
            12345,
        )
        ((contact),) = await store.contacts("arrears-test")
        assert contact.contact.status is ContactStatus.COMPLETED


async def test_busy_no_answer_and_a_hang_up_in_the_script(tmp_path: Path, pbx_kind: str) -> None:
    async with outbound_node(tmp_path, pbx_kind) as node:
        assert node.outbound is not None
        store = node.outbound.campaigns
        campaign = Campaign("mix", "mix", CampaignKind.ARREARS_REMINDER, AutomatedPacing(5), ring_s=15)
        await store.create(campaign, prefecture=None, created_by="test", now=START)
        extra = (("amount_due", "500"), ("due_date", "2025-10-05"))
        numbers = ["13800000006", "13800000008", "13800000009"]
        await store.add_contacts("mix", [Contact(n, n, "lanzhou", n, extra) for n in numbers], START)
        await store.move("mix", CampaignEvent.START, START)

        async def ended() -> bool:
            attempts = await node.outbound.attempts.of_campaign("mix")  # type: ignore[union-attr]
            if len(attempts) != 3 or not all(a.outcome for a in attempts):
                return False
            # the dialer writes the attempt's end, then the contact: wait for both
            return all(s.contact.status is not ContactStatus.DIALLING for s in await store.contacts("mix"))

        await until(ended, 60)
        attempts = {a.number: a for a in await node.outbound.attempts.of_campaign("mix")}
        assert {n: a.outcome for n, a in attempts.items()} == {
            "13800000006": "hung_up_in_script",
            "13800000008": "busy",
            "13800000009": "no_answer",
        }
        assert (attempts["13800000008"].reason, attempts["13800000009"].reason) == (5, 3)
        assert attempts["13800000009"].hangup_cause == 19
        contacts = {s.contact.number: s.contact for s in await store.contacts("mix")}
        assert all(c.status is ContactStatus.PENDING and c.attempts == 1 for c in contacts.values())
        # hung up in the script: again in 2 days, at the same time of day (the clock runs from 10:00)
        retry = contacts["13800000006"].next_attempt_at
        assert retry is not None
        assert timedelta(0) < retry - datetime(2025, 10, 15, 10, 0, tzinfo=SH) < timedelta(minutes=1)


async def test_the_post_call_rating_is_stored_when_the_agent_hangs_up_first(
    tmp_path: Path, pbx_kind: str
) -> None:
    """The SHIPPED [acd-connect]: Dial with g, the agent hangs up, the caller keys 2 (基本满意)."""
    async with outbound_node(tmp_path, pbx_kind) as node:
        async with node.sessions() as db:
            db.add(AgentRecord(agent_id="agent-1001", name="王芳", extension="1001", prefecture="lanzhou",
                               level="junior", skills="general:3", languages="zh", active=True))  # fmt: skip
            await db.commit()
        for name, value in {"AGENT_TECH": "Local", "AGENT_SUFFIX": "@test-agents/n"}.items():
            await node.ami.setvar(name, value)
        pad = KeyPad(node.ami, {"13800000007": "2"})
        async with pad.running():
            await node.ami.originate(
                "Local/13800000007@test-callee", context="acd-connect", exten="1001", priority=1,
                variables={"HOTLINE_PREFECTURE": "tianshui"}, channel_id="caller-1",
            )  # fmt: skip

            async def rated() -> bool:
                async with node.sessions() as db:
                    return await rating_of(db, "caller-1") is not None

            await until(rated, 40)
        async with node.sessions() as db:
            rating = await rating_of(db, "caller-1")
        assert rating is not None
        assert (rating.agent_id, rating.prefecture, rating.rating) == (
            "agent-1001",
            "tianshui",
            Rating.FAIRLY_SATISFIED,
        )
