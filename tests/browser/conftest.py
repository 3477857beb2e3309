"""Debian's Chromium, headless, one browser for the whole session (``@pytest.mark.browser``).

Without ``/usr/bin/chromium`` the browser tests are skipped with a message, unless
``HOTLINE_REQUIRE_SERVICES=1`` (CI), where that is a failure.  Never ``playwright install``:
Playwright drives the system's Chromium.  Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _require_chromium() -> None:
    if CHROMIUM.is_file():
        return
    message = f"{CHROMIUM} is not installed: the browser tests need Debian's chromium package"
    if os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (HOTLINE_REQUIRE_SERVICES=1: this run must not skip them)")
    pytest.skip(message)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[BrowserContext]:
    _require_chromium()
    profile = tempfile.mkdtemp(prefix="hotline-chromium-")
    try:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                args=ARGS,
                headless=True,
                viewport={"width": 1400, "height": 900},
                locale="zh-CN",
            )
            try:
                yield context
            finally:
                await context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
