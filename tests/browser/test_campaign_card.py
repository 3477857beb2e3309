"""The campaign card on /wallboard and /floor in a real browser: a provincial supervisor sees a running 回访
campaign's progress bar, attempts, answers, completions, what remains and its abandon rate, in
Chinese and in English, and downloads its results as XLSX.
Screenshots: test-artifacts/screenshots/wallboard-campaigns.png, …-en.png, floor-campaigns.png."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from playwright.async_api import BrowserContext, expect

from outbound.attempt_store import AttemptStore
from outbound.calendar import HolidayCalendar
from outbound.campaign import Campaign, CampaignEvent, CampaignKind
from outbound.campaign_store import CampaignStore
from outbound.contact import Contact
from outbound.outcomes import Outcome
from outbound.pacing import AutomatedPacing
from outbound.retry import after_attempt

from .stack import Stack
from .test_pages import pytestmark, sign_in, stack  # noqa: F401


async def _campaign(stack: Stack) -> None:  # noqa: F811
    now = datetime.now(UTC)
    store, attempts = CampaignStore(stack.node.sessions, HolidayCalendar()), AttemptStore(stack.node.sessions)
    campaign = Campaign("oct-callbacks", "十月投诉回访", CampaignKind.SATISFACTION_SURVEY, AutomatedPacing(5))
    await store.create(campaign, prefecture=None, created_by="test", now=now)
    numbers = [f"1380000{i:04d}" for i in range(8)]
    await store.add_contacts("oct-callbacks", [Contact(n, n, "lanzhou", f"T{n}") for n in numbers], now)
    await store.move("oct-callbacks", CampaignEvent.START, now)
    campaign = (await store.get("oct-callbacks")).campaign
    for stored in await store.claim("oct-callbacks", "n1", now, 3):
        channel = f"ob-{stored.id}"
        await attempts.start(
            campaign_id="oct-callbacks", contact_id=stored.id, number=stored.contact.number,
            channel_id=channel, node="n1", at=now - timedelta(minutes=2), local_date=date.today(),
        )  # fmt: skip
        await attempts.answered(channel, now)
        await attempts.finish(channel, Outcome.COMPLETED, now, None)
        done = after_attempt(stored.contact, Outcome.COMPLETED, now, campaign.retry, campaign.schedule)
        assert await store.save_contact(replace(stored, contact=done), expect_version=stored.contact.version)


async def test_the_wallboard_shows_campaign_progress(
    browser: BrowserContext,
    stack: Stack,  # noqa: F811
    screenshots: Path,
) -> None:
    await _campaign(stack)
    page = await sign_in(browser, stack, "wallboard", "sup.province")
    row = page.get_by_test_id("campaign-oct-callbacks")
    await expect(row).to_be_visible(timeout=10_000)
    await expect(row).to_contain_text("十月投诉回访")
    await expect(row).to_contain_text("进行中")
    await expect(row).to_contain_text("自动语音")
    cells = [c.strip() for c in await row.locator("td.num").all_inner_texts()]
    assert cells[:4] == ["3", "3", "3", "5"]  # attempted, answered, completed (contacts), remaining
    await expect(row).to_contain_text("38%")
    await page.screenshot(path=str(screenshots / "wallboard-campaigns.png"), full_page=True)
    async with page.expect_download() as download:
        await row.get_by_role("button", name="XLSX").click()
    assert (await download.value).suggested_filename == "oct-callbacks.xlsx"
    await page.click("#lang")
    await expect(row).to_contain_text("Running")
    await expect(page.locator("#campaigns-card h2")).to_have_text("Outbound campaigns")
    await page.screenshot(path=str(screenshots / "wallboard-campaigns-en.png"), full_page=True)
    await page.close()

    floor = await sign_in(browser, stack, "floor", "sup.province")
    on_floor = floor.get_by_test_id("campaign-oct-callbacks")
    await expect(on_floor).to_be_visible(timeout=10_000)
    await expect(on_floor).to_contain_text("38%")
    await floor.get_by_test_id("campaigns").scroll_into_view_if_needed()
    await floor.screenshot(path=str(screenshots / "floor-campaigns.png"), full_page=True)
    await floor.close()
