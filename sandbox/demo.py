"""`make run` without a token: the real bot against the emulator, one scripted survey.

A newcomer sees the product work end to end with no Telegram account: an owner
registers a purchase, a customer answers every question, and the chat is printed. Then, in
a terminal, a fresh bot keeps running with a web page where they play both sides
themselves (sandbox/playground_server.py) until Ctrl+C.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import FeedbackApp, create_app
from core.settings import Settings
from sandbox.driver import EmulatedUser
from sandbox.emulator import BotAPIEmulator
from sandbox.playground_server import playground_app

TOKEN = "100000:SANDBOX-token"
STEP_TIMEOUT = 10.0
PLAYGROUND_PORT = 8765
"""Where the page is, unless that port is taken (then any free one, printed)."""


def _settings(
    emulator: BotAPIEmulator, owner: EmulatedUser, workdir: str, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": emulator.base_url,
        "database_path": Path(workdir) / "sandbox.db",
        "owner_ids": [owner.id],
        "survey_delay": "0",
        "dispatch_interval": "1s",
        "quiet_hours": "off",  # the demo runs whenever a newcomer tries it
        "log_level": "WARNING",
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _stopped(app: FeedbackApp, polling: asyncio.Task[None]) -> None:
    await app.stop()
    await asyncio.wait_for(polling, timeout=STEP_TIMEOUT)


@asynccontextmanager
async def _sandbox() -> AsyncIterator[tuple[BotAPIEmulator, EmulatedUser, EmulatedUser, str]]:
    """The emulator, its owner and customer, and a folder for the bot's database."""
    async with BotAPIEmulator(
        token=TOKEN, bot_username="feedback_sandbox_bot", bot_first_name="Feedback Bot"
    ) as emulator:
        owner = emulator.create_user(first_name="Olga", username="olga_owner", language_code="en")
        customer = emulator.create_user(first_name="Anna", username="anna", language_code="en")
        with tempfile.TemporaryDirectory(prefix="feedback-sandbox-") as workdir:
            yield emulator, owner, customer, workdir


async def run_demo(print_line: Callable[[str], None] = print) -> None:
    async with _sandbox() as (emulator, owner, customer, workdir):
        app = await create_app(_settings(emulator, owner, workdir))
        polling = asyncio.create_task(app.run(handle_signals=False, polling_timeout=1))
        try:
            await _script(owner, customer)
            async with app.db.reader.execute("SELECT COUNT(*) FROM answers") as cursor:
                row = await cursor.fetchone()
            stored = row[0] if row else 0
        finally:
            await _stopped(app, polling)
        print_line("=== Sandbox transcript (local Bot API emulator, no Telegram involved) ===")
        for line in emulator.transcript():
            print_line(line)
        print_line(f"=== The survey is complete: {stored} answers stored in SQLite. ===")


async def _script(owner: EmulatedUser, customer: EmulatedUser) -> None:
    customer.send_text("/start")
    await customer.next_message(timeout=STEP_TIMEOUT)
    owner.send_text("/start")
    await owner.next_message(timeout=STEP_TIMEOUT)
    owner.send_text(f"/purchase {customer.id} 1500 DEMO-1")
    await owner.next_message(timeout=STEP_TIMEOUT)

    question = await customer.next_message(timeout=STEP_TIMEOUT)  # NPS
    for label in ("9", "4", "No"):  # NPS, CSAT, "100% satisfied?"
        customer.press(question, label)
        question = await customer.next_message(timeout=STEP_TIMEOUT)
    customer.send_text("Delivery took three days instead of one.")  # what to fix
    await customer.next_message(timeout=STEP_TIMEOUT)
    customer.send_text("Gift wrapping would be great.")  # upsell
    await customer.next_message(timeout=STEP_TIMEOUT)
    customer.send_contact(phone_number="+79001234567", first_name="Ivan")  # referral
    await customer.next_message(timeout=STEP_TIMEOUT)  # thank-you


async def run_playground(
    print_line: Callable[[str], None] = print,
    *,
    port: int = PLAYGROUND_PORT,
    started: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """A fresh bot and the page to play it on, until `stop` is set (or Ctrl+C). `started`
    gets the page's address once it is served."""
    async with _sandbox() as (emulator, owner, customer, workdir):
        api_port = _free_port()
        settings = _settings(
            emulator,
            owner,
            workdir,
            api_port=str(api_port),
            webapp_url=f"http://127.0.0.1:{api_port}/app",
            digest_schedule="off",  # /digest asks for one
        )
        app = await create_app(settings)
        polling = asyncio.create_task(app.run(handle_signals=False, polling_timeout=1))
        page = web.AppRunner(playground_app({"customer": customer, "owner": owner}))
        await page.setup()
        try:
            for person in (customer, owner):  # both have pressed Start, as in the demo
                person.send_text("/start")
                await person.next_message(timeout=STEP_TIMEOUT)
            address = await _serve(page, port)
            print_line(f"=== Play both sides in your browser: {address} (Ctrl+C stops) ===")
            if started is not None:
                started(address)
            await (stop or asyncio.Event()).wait()
        finally:
            await page.cleanup()
            await _stopped(app, polling)


async def _serve(page: web.AppRunner, port: int) -> str:
    try:
        site = web.TCPSite(page, "127.0.0.1", port)
        await site.start()
    except OSError:  # taken: any free port
        site = web.TCPSite(page, "127.0.0.1", 0)
        await site.start()
    host, bound = page.addresses[0][:2]
    return f"http://{host}:{bound}/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _play_until_ctrl_c() -> None:
    """The page until Ctrl+C (or SIGTERM). Handled here, not left to Python's
    KeyboardInterrupt: a shell that starts a program in the background ignores SIGINT for
    it, and a program started from there would never stop on Ctrl+C."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stopping in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stopping, stop.set)
    await run_playground(stop=stop)


def main() -> None:
    asyncio.run(run_demo())
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return  # CI, a script, a pipe: the transcript is all
    asyncio.run(_play_until_ctrl_c())
    print("Sandbox stopped.")
