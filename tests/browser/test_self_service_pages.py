"""The self-service parts of /agent and the /knowledge page in a real browser, against the running
node and the simulated Asterisk.

An agent takes a call: the customer view opens by itself (master data, lines and services, charges,
orders, calls); the agent orders a service only an agent may order, resumes a line suspended as
lost after checking the ID digits the caller gives, sees the VIP callback requests, and finds a
standard answer by a Chinese keyword. Records staff edit an entry on /knowledge: a new version,
its audio rendered. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, expect
from sqlalchemy import select

from storage.callback_requests import CustomerCallback
from storage.customers import Customer
from storage.lines import Line, LineStatus

from .stack import Stack, running_stack
from .test_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


async def test_the_agents_customer_view_orders_resume_and_knowledge(
    browser: BrowserContext, stack: Stack, screenshots: Path
) -> None:
    async with stack.node.sessions() as db:
        zhang = (await db.execute(select(Customer).where(Customer.number == "13800000001"))).scalar_one()
        db.add(
            CustomerCallback(
                customer_id=zhang.id, number="13800000001", prefecture="lanzhou", for_whom="senior",
                requested_via="ivr", requested_at=datetime.now(UTC),
            )
        )  # fmt: skip
        await db.commit()
    agent = await sign_in(browser, stack, "agent", "agent1001")
    await agent.fill("#extension", "1001")
    await agent.click("#acd-login")
    await expect(agent.get_by_test_id("agent-state")).to_have_attribute("data-state", "available")

    # the caller's data opens with the screen pop
    stack.caller_for_an_agent("13800000001")
    await expect(agent.get_by_test_id("pop-number")).to_have_text("13800000001")
    view = agent.get_by_test_id("customer-view")
    await expect(view.get_by_test_id("customer-name")).to_have_text("张伟")
    lines = view.get_by_test_id("customer-line")
    await expect(lines).to_have_count(2)
    await expect(lines.nth(1)).to_contain_text("来电显示")
    await expect(agent.get_by_test_id("callback")).to_contain_text("13800000001")

    # an order only an agent may place: faster broadband on the customer's internet line
    await agent.select_option("#order-line", "09311234567")
    await agent.select_option("#order-item", "broadband_speed_up")
    await expect(agent.locator("#order-terms")).to_contain_text("¥20.00")
    await agent.click("#order-place")
    orders = view.get_by_test_id("customer-order")
    await expect(orders).to_have_count(1)
    await expect(orders.first).to_contain_text("宽带提速")
    await expect(orders.first).to_contain_text("已完成")

    # a Chinese keyword finds the standard answer
    await agent.fill("#kb-query", "挂失")
    await agent.click("#kb-search button")
    hits = agent.get_by_test_id("kb-hit")
    await expect(hits.first).to_contain_text("手机挂失停机")
    await agent.screenshot(path=str(screenshots / "agent_customer_view.png"), full_page=True)

    # a lost phone suspended at the desk (the caller has neither PIN nor ID: the agent's questions)
    await agent.select_option("#suspend-line", "13800000001")
    await agent.select_option("#suspend-method", "questions")
    await expect(agent.get_by_test_id("suspend-secret")).to_be_hidden()
    await agent.fill("#suspend-note", "核对了姓名、地址和最近一笔充值")
    await agent.click("#suspend-do")
    await expect(lines.nth(1)).to_contain_text("挂失停机")
    async with stack.node.sessions() as db:
        status = (await db.execute(select(Line.status).where(Line.number == "13800000001"))).scalar_one()
    assert status is LineStatus.SUSPENDED_LOST
    # and resumed: only here, and only with the caller's ID digits
    await expect(agent.locator("#resume")).to_be_visible()
    await agent.screenshot(path=str(screenshots / "agent_lost_line.png"), full_page=True)
    await agent.fill("#resume-secret", "011234")
    await agent.click("#resume-do")
    await expect(lines.nth(1)).to_contain_text("正常")
    await expect(agent.locator("#resume")).to_be_hidden()
    await expect(orders.first).to_contain_text("复机")
    await expect(orders.nth(1)).to_contain_text("挂失停机")
    await expect(orders.nth(1)).to_contain_text("挂失停机")

    # the same view in English
    await agent.click("#lang")
    await expect(lines.nth(1)).to_contain_text("caller ID")
    await agent.screenshot(path=str(screenshots / "agent_customer_view_en.png"), full_page=True)
    await agent.click("#lang")
    await agent.close()


async def test_records_staff_edit_an_entry_and_its_audio_is_rendered(
    browser: BrowserContext, stack: Stack, screenshots: Path
) -> None:
    page = await sign_in(browser, stack, "knowledge", "records.lanzhou")
    await expect(page.get_by_test_id("kb-entry").first).to_be_visible()
    await page.fill("#filter-q", "营业厅")
    await page.click("#filter button[type=submit]")
    hall = page.get_by_test_id("kb-entry").filter(has_text="hall_lanzhou")
    await expect(hall).to_have_count(1)
    await hall.click()
    await expect(page.get_by_test_id("kb-title")).to_have_value("兰州营业厅")
    await page.fill("#f-text", "兰州中心营业厅迁至东岗西路，营业时间每天九点至十八点。")
    await page.click("#save")
    await expect(page.get_by_test_id("kb-saved")).to_contain_text("v2", timeout=20_000)  # espeak-ng renders
    await expect(page.get_by_test_id("kb-saved")).to_contain_text("语音已生成")
    await expect(page.get_by_test_id("kb-versions").locator("tr")).to_have_count(3)  # v2, v1 zh; v1 en
    audio = stack.node.settings.ivr.prompts_dir / "zh" / "hotline" / "kb_hall_lanzhou_v2.wav"
    assert audio.is_file() and audio.stat().st_size > 1000
    await page.screenshot(path=str(screenshots / "knowledge.png"), full_page=True)
    await page.click("#lang")
    await expect(page.locator("#save")).to_have_text("Save new version")
    await page.screenshot(path=str(screenshots / "knowledge_en.png"), full_page=True)
    await page.click("#lang")
    await page.close()
