"""The three pages in a real browser, against the running node and the simulated Asterisk.

The story of the issue: an agent signs in and logs in at their extension; a customer calls the
hotline and asks for an agent; the screen pop shows who is calling; the agent transfers the call
to a senior; provincial QA starts a silent listen and the simulator shows ChanSpy on the senior's
channel with quiet options; a prefecture's QA is refused another prefecture's call; QA plays a
recorded call of their prefecture in the page.  Screenshots
of the three pages are saved to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Page, expect

from acd.agent_state import AgentState
from storage.recordings import Recording, RecordingStatus
from storage.users import DEMO_PASSWORD
from tests.support.audio import write_wav

from .stack import Stack, running_stack

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


LIVE_PAGES = frozenset({"agent", "floor", "qa", "wallboard"})  # the pages with a live feed (H.feed)


async def sign_in(browser: BrowserContext, stack: Stack, page_name: str, username: str) -> Page:
    page = await browser.new_page()
    await page.goto(f"{stack.url}/{page_name}")
    await page.fill("#username", username)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#main")).to_be_visible()
    if page_name in LIVE_PAGES:  # events pushed from now on reach the page (the floor's alert, the pop)
        await expect(page.locator("html")).to_have_attribute("data-feed", "live")
    return page


async def until(check: Callable[[], Awaitable[bool]], within_s: float = 10.0) -> None:
    async with asyncio.timeout(within_s):
        while not await check():  # noqa: ASYNC110 - polling the node's state is the point here
            await asyncio.sleep(0.05)


async def test_agent_screen_pop_transfer_and_qa_listening(
    browser: BrowserContext, stack: Stack, screenshots: Path
) -> None:
    acd = stack.node.acd
    assert acd is not None
    agent = await sign_in(browser, stack, "agent", "agent1001")
    await agent.fill("#extension", "1001")
    await agent.click("#acd-login")
    state = agent.get_by_test_id("agent-state")
    await expect(state).to_have_attribute("data-state", "available")
    await acd.login("agent-1003")  # the senior the call will go to

    caller = stack.caller_for_an_agent("13800000001")
    await expect(agent.get_by_test_id("pop-number")).to_have_text("13800000001")
    await expect(agent.get_by_test_id("pop-customer")).to_contain_text("张伟")
    await expect(agent.get_by_test_id("pop-ivr")).to_contain_text("main")
    await expect(state).to_have_attribute("data-state", "on_call")
    await expect(agent.get_by_test_id("call-state")).to_have_text("通话中")
    await agent.screenshot(path=str(screenshots / "agent.png"), full_page=True)

    assert caller.record is not None
    uniqueid = caller.record.uniqueid
    await agent.select_option("#transfer-target", "senior")
    await agent.click("#transfer")
    await expect(state).to_have_attribute("data-state", "wrap_up")

    async def with_senior() -> bool:
        status = await acd.status("agent-1003")
        return status.state is AgentState.ON_CALL and status.entry_id == uniqueid

    await until(with_senior)
    senior_leg = next(c for c in stack.node.ami.state if c.name.startswith("PJSIP/1003-"))

    qa = await sign_in(browser, stack, "qa", "qa.province")
    await expect(qa.get_by_test_id("call-agent-1003")).to_be_visible()
    await qa.get_by_test_id("listen-agent-1003").click()
    await expect(qa.get_by_test_id("session-state")).to_have_attribute("data-state", "active")
    await expect(qa.get_by_test_id("session-mode")).to_have_attribute("data-mode", "listen")

    def spying() -> list[tuple[str, str, str]]:
        return [(s.spyee.name, s.options, s.mode) for s in stack.sim.pbx.spy_sessions]

    [(spyee, options, mode)] = spying()
    assert spyee == senior_leg.name  # ChanSpy on the senior's channel, the call in progress
    assert "q" in options and "w" not in options and "B" not in options and mode == "spy"
    await qa.screenshot(path=str(screenshots / "qa.png"), full_page=True)

    # Tianshui's QA neither sees nor may listen to a Lanzhou agent's call
    local = await sign_in(browser, stack, "qa", "qa.tianshui")
    await expect(local.locator("#calls")).to_be_attached()
    await asyncio.sleep(0.5)  # the list has been fetched
    assert await local.get_by_test_id("call-agent-1003").count() == 0
    refused = await local.evaluate(
        """async () => {
            const headers = {'Content-Type': 'application/json',
                             Authorization: 'Bearer ' + sessionStorage.getItem('hotline.token')};
            const body = JSON.stringify({agent_id: 'agent-1003', mode: 'listen'});
            const r = await fetch('/api/qa/monitor', {method: 'POST', headers, body});
            return [r.status, (await r.json()).error_id];
        }"""
    )
    assert refused == [403, "auth-out-of-scope"]
    assert len(spying()) == 1

    board = await sign_in(browser, stack, "wallboard", "sup.province")
    await expect(board.get_by_test_id("prefecture-lanzhou")).to_be_visible()
    await expect(board.get_by_test_id("queue-general")).to_be_visible()
    await board.screenshot(path=str(screenshots / "wallboard.png"), full_page=True)

    await qa.click("#session-stop")

    async def stopped() -> bool:
        return not spying()

    await until(stopped)
    for page in (agent, qa, local, board):
        await page.close()


async def test_qa_plays_a_recording_of_their_prefecture(browser: BrowserContext, stack: Stack) -> None:
    directory = stack.node.settings.recordings.directory
    relative = "lanzhou/2024/06/10/1718000000.7.wav"
    write_wav(directory / relative, 3.0, b"\x00\x10")
    async with stack.node.sessions() as db:
        row = Recording(
            uniqueid="1718000000.7",
            linkedid="1718000000.7",
            agent="1001",
            caller_number="13800000001",
            prefecture="lanzhou",
            source="/spool/1718000000.7.wav",
            path=relative,
            format="wav",
            started_at=datetime.now(UTC),
            duration_s=3.0,
            size_bytes=(directory / relative).stat().st_size,
            status=RecordingStatus.ARCHIVED,
        )
        db.add(row)
        await db.commit()
        recording_id = row.id

    qa = await sign_in(browser, stack, "qa", "qa.lanzhou")
    await qa.get_by_test_id(f"play-{recording_id}").click()
    player = qa.get_by_test_id("recording-player")
    await expect(player).to_have_attribute("data-recording", str(recording_id))
    duration = await player.evaluate(
        """async (audio) => {
            for (let i = 0; i < 100 && !(audio.duration > 0) && !audio.error; i++) {
                await new Promise((ok) => setTimeout(ok, 50));
            }
            return audio.error ? audio.error.message : audio.duration;
        }"""
    )
    assert duration == pytest.approx(3.0, abs=0.05), duration  # the browser decoded the archived file

    local = await sign_in(browser, stack, "qa", "qa.tianshui")
    await expect(local.get_by_test_id("recordings")).to_be_attached()
    await asyncio.sleep(0.5)  # the list has been fetched
    assert await local.get_by_test_id(f"recording-{recording_id}").count() == 0
    for page in (qa, local):
        await page.close()


async def test_labels_switch_between_chinese_and_english(browser: BrowserContext, stack: Stack) -> None:
    page = await browser.new_page()
    await page.goto(f"{stack.url}/wallboard")
    await expect(page.locator("#login-submit")).to_have_text("登录")
    await page.click("#lang")
    await expect(page.locator("#login-submit")).to_have_text("Sign in")
    await page.fill("#username", "sup.lanzhou")
    await page.fill("#password", "not the password")
    await page.click("#login-submit")
    await expect(page.locator("#login-error")).to_have_text("Unknown user or wrong password")
    await page.click("#lang")  # back to Chinese for the other tests (the choice is kept)
    await page.close()
