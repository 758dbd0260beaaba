"""Headless Chromium for the browser tests: Debian's `chromium`, driven by Playwright (never
a browser Playwright downloads).

Without the browser the tests are skipped with one line saying how to get it, except under
CI=true, where a missing browser is a failure: `.ci/run` installs it on a fresh machine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # CI and the sessions run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    # Nothing reaches out: this machine's network is closed, and a page never loads from it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)
PHONE = {"width": 360, "height": 740}
MISSING = (
    "Browser tests skipped: Debian's chromium is not installed "
    "(`apt-get install chromium` as root; `make test` does it when run as root)"
)
SHOTS = Path(os.environ["SCREENSHOTS"]) if os.environ.get("SCREENSHOTS") else None
"""Where the tests leave screenshots of what a person sees, when set."""


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and no browser at {CHROMIUM}: .ci/run installs Debian's chromium")
    pytest.skip(MISSING)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=list(FLAGS))
        try:
            yield browser
        finally:
            await browser.close()


async def screenshot(page: object, name: str) -> None:
    """Keep what the page looks like, for a person to look at (SCREENSHOTS=folder)."""
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
