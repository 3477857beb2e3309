"""The supervisor's page ``/floor`` in a real browser, against the running node: a ticket past its due
time is marked and alerted by the node's monitoring job and the alert appears on the page (and
the ticket on the overdue list, here and on the wallboard); the supervisor adds an agent, who is
in the running ACD at once, force-pauses a signed-in agent, and retires the new one.
Screenshots: ``floor.png`` (Chinese), ``floor-en.png``, ``wallboard-overdue.png``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, expect

from acd.agent_state import AgentState
from acd.errors import UnknownAgent
from storage.ticket_lifecycle import TicketKind
from storage.tickets import NewTicket, open_ticket

from .stack import Stack, running_stack
from .test_pages import sign_in, until

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


async def late_complaint(stack: Stack) -> str:
    """A Lanzhou billing dispute left in the IVR 25 hours ago: 1 hour past its due time, held by
    nobody (so the prefecture's supervisor is told)."""
    async with stack.node.sessions() as db:
        new = NewTicket(TicketKind.COMPLAINT, "lanzhou", "13800000005", "ivr", "billing_dispute", "usage")
        ticket = await open_ticket(db, new, datetime.now(UTC) - timedelta(hours=25))
        await db.commit()
        assert ticket.number is not None
        return ticket.number


async def test_the_floor_sees_an_alert_and_manages_agents(
    browser: BrowserContext, stack: Stack, screenshots: Path
) -> None:
    acd, watch = stack.node.acd, stack.node.workflow
    assert acd is not None and watch is not None
    await acd.login("agent-1002")
    floor = await sign_in(browser, stack, "floor", "sup.lanzhou")
    await expect(floor.get_by_test_id("agent-agent-1002")).to_have_attribute("data-state", "available")
    assert await floor.get_by_test_id("agent-agent-1004").count() == 0  # Tianshui's: not in my scope

    number = await late_complaint(stack)
    result = await watch.run_once()  # the node's job, now rather than at its next round
    assert number in result.marked
    alert = floor.get_by_test_id(f"alert-{number}-overdue-supervisor")
    await expect(alert).to_be_visible()
    await expect(alert).to_contain_text("超时")
    await expect(floor.get_by_test_id(f"overdue-{number}")).to_contain_text("兰州")

    # a new agent through the form: in the directory and in the running ACD
    await floor.click("#agent-add")
    await floor.fill("#agent-id", "agent-2001")
    await floor.fill("#agent-name", "孙悦")
    await floor.fill("#agent-extension", "2001")
    await floor.fill("#agent-skills", "complaint:4,billing:3")
    await floor.fill("#agent-languages", "zh,en")
    await floor.click("#agent-save")
    await expect(floor.get_by_test_id("agent-agent-2001")).to_contain_text("complaint:4, billing:3")
    assert [s.name for s in (await acd.service.agent("agent-2001")).skills] == ["complaint", "billing"]

    # force pause, live
    await floor.get_by_test_id("pause-agent-1002").click()
    await expect(floor.get_by_test_id("agent-agent-1002")).to_have_attribute("data-state", "paused")
    assert (await acd.status("agent-1002")).state is AgentState.PAUSED
    await floor.screenshot(path=str(screenshots / "floor.png"), full_page=True)

    floor.on("dialog", lambda dialog: dialog.accept())
    await floor.get_by_test_id("retire-agent-2001").click()
    await expect(floor.get_by_test_id("agent-agent-2001")).to_have_count(0)

    async def gone() -> bool:
        try:
            await acd.service.agent("agent-2001")
        except UnknownAgent:
            return True
        return False

    await until(gone)

    await floor.click("#lang")
    await expect(alert).to_contain_text("Overdue")
    await expect(floor.locator("h1")).to_have_text("Floor supervisor")
    await floor.screenshot(path=str(screenshots / "floor-en.png"), full_page=True)
    await floor.click("#lang")  # back to Chinese for the other tests (the choice is kept)

    board = await sign_in(browser, stack, "wallboard", "sup.lanzhou")
    await expect(board.get_by_test_id(f"overdue-{number}")).to_be_visible()
    await board.screenshot(path=str(screenshots / "wallboard-overdue.png"), full_page=True)
    for page in (floor, board):
        await page.close()
