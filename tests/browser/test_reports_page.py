"""The /reports page in a real browser: a statistician of the province picks March 2024, sees the
trend lines and the prefecture bars drawn by Apache ECharts (served by the node: no internet),
the table, and downloads the XLSX.  Screenshot: test-artifacts/screenshots/reports.png."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect
from prometheus_client import CollectorRegistry

from reports.call_assembly import FinishedCall
from reports.call_rows import CdrFacts
from reports.record_writer import RecordWriter, WriterMetrics
from tests.reports.simulated_day import records

from .stack import Stack
from .test_pages import pytestmark, sign_in, stack  # noqa: F401

# a canvas with something drawn: pixels that are neither transparent nor white
_DRAWN = """(id) => {
  const canvas = document.querySelector(`#${id} canvas`);
  if (!canvas) return 0;
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) inked++;
  }
  return inked;
}"""


async def _drawn(page: Page, chart: str) -> int:
    count: int = await page.evaluate(_DRAWN, chart)
    return count


async def test_the_reports_page_draws_charts_and_downloads(
    browser: BrowserContext,
    stack: Stack,  # noqa: F811
    screenshots: Path,
) -> None:
    writer = RecordWriter(stack.node.sessions, WriterMetrics.on(CollectorRegistry()))
    for record in records():
        writer.submit(FinishedCall(record, CdrFacts()))
    await writer.flush()

    page = await sign_in(browser, stack, "reports", "stat.province")
    await page.fill("#period", "2024-03")
    await page.click("#query button[type=submit]")
    await expect(page.locator("#label")).to_contain_text("2024年3月")
    await expect(page.locator("#tbody tr")).to_have_count(15)  # 14 prefectures and the province
    await expect(page.locator("#tbody tr.total")).to_contain_text("全省")
    await page.wait_for_function(f"({_DRAWN})('trend') > 500 && ({_DRAWN})('bars') > 500")
    assert await _drawn(page, "trend") > 500 and await _drawn(page, "bars") > 500
    await page.screenshot(path=str(screenshots / "reports.png"), full_page=True)

    async with page.expect_download() as download:
        await page.click("#xlsx")
    saved = await (await download.value).path()
    assert saved is not None
    assert (await asyncio.to_thread(Path(saved).read_bytes))[:2] == b"PK"  # a zip: the workbook

    # a prefecture's statistician has their prefecture only
    lanzhou = await sign_in(browser, stack, "reports", "stat.lanzhou")
    await expect(lanzhou.locator("#prefecture option")).to_have_count(1)
