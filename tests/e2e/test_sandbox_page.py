"""[miniapp]: the sandbox's web page, where a newcomer plays the customer and the owner."""

from __future__ import annotations

import asyncio
import os
import pty
import signal
import sys
from pathlib import Path

import aiohttp
from playwright.async_api import Page, expect

from sandbox.demo import run_playground
from tests.browser import chromium, screenshot
from tests.helpers import make_run_arguments

CUSTOMER = '.phone[data-who="customer"]'
OWNER = '.phone[data-who="owner"]'


async def _press(page: Page, side: str, label: str) -> None:
    """The button `label` of the side's newest message that has it."""
    await page.locator(f"{side} .bubble .buttons button", has_text=label).last.click()


async def _answer(page: Page, label: str = "", words: str = "") -> None:
    """Press `label` or write `words` as the customer, and wait for the bot's next message."""
    replies = page.locator(f"{CUSTOMER} .bubble.bot")
    before = await replies.count()
    if label:
        await _press(page, CUSTOMER, label)
    else:
        compose = page.locator(f"{CUSTOMER} .compose input")
        await compose.fill(words)
        await compose.press("Enter")
    await expect(replies).to_have_count(before + 1)


async def test_a_survey_is_completed_by_clicks_and_the_owner_sees_the_alert() -> None:
    stop = asyncio.Event()
    address: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    playing = asyncio.create_task(
        run_playground(lambda line: None, port=0, started=address.set_result, stop=stop)
    )
    try:
        url = await asyncio.wait_for(address, timeout=20)
        async with chromium() as browser:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            await page.goto(url)
            await expect(page.locator(f"{CUSTOMER} .bubble.bot").first).to_contain_text("Anna")
            await page.get_by_role("button", name="register a purchase").click()
            await expect(page.locator(f"{CUSTOMER} .bubble").last).to_contain_text("recommend")
            await _answer(page, "3")  # a detractor: the owner is alerted
            await expect(page.locator(f"{OWNER} .bubble").last).to_contain_text("Detractor")
            for label in ("2", "No"):
                await _answer(page, label)
            for words in ("The coffee was cold.", "Oat milk, please."):
                await _answer(page, words=words)
            await _answer(page, "No")  # nobody to recommend
            await expect(page.locator(f"{CUSTOMER} .bubble").last).to_contain_text("Thank you")
            await _press(page, OWNER, "I'll handle it")
            await expect(page.locator(f"{OWNER} .bubble", has_text="Detractor")).to_contain_text(
                "The coffee was cold."
            )
            await page.get_by_role("button", name="/digest").click()
            await expect(page.locator(f"{OWNER} .bubble img")).to_have_count(1, timeout=20_000)
            await screenshot(page, "sandbox-page")
            await page.get_by_role("button", name="/dashboard").click()
            async with page.expect_popup() as opened:
                await _press(page, OWNER, "Dashboard")
            dashboard = await opened.value
            await expect(dashboard.locator("#nps-score")).to_have_text("-100")
            await expect(dashboard.locator("#who")).to_have_text("Olga · owner")
    finally:
        stop.set()
        await asyncio.wait_for(playing, timeout=20)


def _read_to_the_end(terminal: int) -> bytes:
    """What the process writes to its terminal until it closes it."""
    printed = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # Linux: EIO once the other side is closed
            return printed
        if not chunk:
            return printed
        printed += chunk


def _as_if_started_in_the_background() -> None:
    """A shell ignores SIGINT for what it starts in the background (CI's runners do): the
    sandbox must stop on Ctrl+C all the same."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


async def test_make_run_in_a_terminal_keeps_the_page_open_until_ctrl_c(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "BOT_TOKEN"}
    env["PYTHONPATH"] = str(Path(__file__).parents[2])
    controller, terminal = pty.openpty()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *make_run_arguments(),
        cwd=tmp_path,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        preexec_fn=_as_if_started_in_the_background,
    )
    os.close(terminal)
    loop = asyncio.get_running_loop()
    printed = b""
    try:
        while b"(Ctrl+C stops)" not in printed:
            chunk = await asyncio.wait_for(
                loop.run_in_executor(None, os.read, controller, 4096), 60
            )
            printed += chunk
        text = printed.decode()
        assert "=== The survey is complete: 6 answers stored in SQLite. ===" in text
        address = text.split("Play both sides in your browser: ")[1].split(" ")[0]
        async with aiohttp.ClientSession() as session, session.get(address) as page:
            assert page.status == 200 and "Feedback bot sandbox" in await page.text()
        # Read on while it stops: a terminal nobody reads blocks the writer once its buffer
        # is full.
        rest = loop.run_in_executor(None, _read_to_the_end, controller)
        process.send_signal(signal.SIGINT)
        try:
            code = await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            process.kill()
            said = (await asyncio.wait_for(rest, timeout=10)).decode(errors="replace")
            raise AssertionError(f"still running 20 s after Ctrl+C; it said: {said}") from None
        said = (await asyncio.wait_for(rest, timeout=10)).decode(errors="replace")
        assert code == 0 and "Sandbox stopped." in said, said
    finally:
        if process.returncode is None:
            process.kill()
        os.close(controller)
