"""The IVR handler behind the real FastAGI server and AgiSession, with the simulator's AGI client
playing Asterisk (a scripted channel: keys queued, prompts "played" instantly)."""

from collections.abc import AsyncIterator

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.server import FastAgiServer
from ivr.handler import build_ivr_handler
from ivr.handoff import Handoff
from ivr.menu import Menu
from ivr.settings import IvrSettings
from prompts.audio import catalogue_jobs
from prompts.language import Language
from sim.agi.client import run_fastagi
from storage.ivr_records import IvrOutcome, IvrSession
from storage.ticket_lifecycle import TicketStatus
from storage.tickets import Ticket
from tests.ivr.conftest import Clock
from tests.sim.agi.fake_channel import FakeChannel

SOUNDS = {job.name: 800 for job in catalogue_jobs([Language.ZH])} | {
    f"hotline/kb_{topic}_{n}": 800
    for topic in ("tariffs", "broadband", "mobile", "fixed_line", "private_line")
    for n in (1, 2, 3)
}


@pytest.fixture
async def server(
    hotline_db: async_sessionmaker[AsyncSession], hotline_menu: Menu
) -> AsyncIterator[FastAgiServer]:
    handler = build_ivr_handler(hotline_db, hotline_menu, IvrSettings(), clock=Clock())
    agi = FastAgiServer({"ivr": handler}, host="127.0.0.1", port=0, registry=CollectorRegistry())
    await agi.start()
    yield agi
    await agi.stop(drain_timeout_s=1)


def channel(callerid: str) -> FakeChannel:
    return FakeChannel(callerid_num=callerid, context="hotline", exten="s", sounds=SOUNDS)


async def test_complaint_hands_off_to_the_queue(
    server: FastAgiServer, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    phone = channel("13800000003")
    phone.press("313")  # complaint, billing dispute, usage (keyed during the prompts: barge-in)
    status = await run_fastagi(phone, f"agi://127.0.0.1:{server.port}/ivr?prefecture=jiuquan", [])
    assert status == "SUCCESS"
    handoff = Handoff.from_variables(phone.variables)
    assert (handoff.skill, handoff.min_level.label, handoff.segment.value) == ("complaint", "senior", "vip")
    assert handoff.ivr_path == "vip_main>3>billing_dispute>usage"
    assert phone.variables["CHANNEL(language)"] == "zh"
    # "3" pressed during the greeting: the main menu is skipped (barge-in across nodes)
    assert phone.played[:3] == [
        "hotline/greeting_vip",
        "hotline/complaint_menu",
        "hotline/billing_dispute_menu",
    ]
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
    assert record.outcome is IvrOutcome.QUEUED and str(record.id) == handoff.ivr_session


async def test_bill_query_self_served(
    server: FastAgiServer, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    phone = channel("13800000001")
    phone.press("2123456#")
    status = await run_fastagi(phone, f"agi://127.0.0.1:{server.port}/ivr", [])
    assert status == "SUCCESS"
    assert phone.variables["HOTLINE_OUTCOME"] == "selfserved"
    assert "hotline/bill_balance-1" in phone.played and phone.played[-1] == "hotline/goodbye"
    # SAY NUMBER 123 for the balance, as Asterisk plays it from digits/
    assert "digits/1" in phone.played


class HangsUpAtTheDisputeMenu(FakeChannel):
    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        if self.played[-1:] == ["hotline/billing_dispute_menu"]:
            self.hang_up_now()
        return await super().wait_for_digit(timeout_ms)


async def test_caller_hangs_up_mid_menu(
    server: FastAgiServer, hotline_db: async_sessionmaker[AsyncSession]
) -> None:
    phone = HangsUpAtTheDisputeMenu(callerid_num="13800000001", sounds=SOUNDS)
    phone.press("31")
    status = await run_fastagi(phone, f"agi://127.0.0.1:{server.port}/ivr", [])
    assert status == "HANGUP"
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
        ticket = (await db.execute(select(Ticket).order_by(Ticket.id.desc()))).scalars().first()
    assert record.outcome is IvrOutcome.ABANDONED
    assert ticket is not None and ticket.status is TicketStatus.ABANDONED_IN_IVR
