"""`make run` without a token: the real bot against the emulator, one scripted survey.

A newcomer sees the product work end to end with no Telegram account: an owner
registers a purchase, a customer answers every question, and the chat is printed.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app import create_app
from core.settings import Settings
from sandbox.driver import EmulatedUser
from sandbox.emulator import BotAPIEmulator

TOKEN = "100000:SANDBOX-token"
STEP_TIMEOUT = 10.0


async def run_demo(print_line: Callable[[str], None] = print) -> None:
    async with BotAPIEmulator(
        token=TOKEN, bot_username="feedback_sandbox_bot", bot_first_name="Feedback Bot"
    ) as emulator:
        owner = emulator.create_user(first_name="Olga", username="olga_owner", language_code="en")
        customer = emulator.create_user(first_name="Anna", username="anna", language_code="en")
        with tempfile.TemporaryDirectory(prefix="feedback-sandbox-") as workdir:
            values: dict[str, Any] = {
                "bot_token": TOKEN,
                "telegram_api_url": emulator.base_url,
                "database_path": Path(workdir) / "sandbox.db",
                "owner_ids": [owner.id],
                "survey_delay": "0",
                "dispatch_interval": "1s",
                "quiet_hours": "off",  # the demo runs whenever a newcomer tries it
                "log_level": "WARNING",
            }
            settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
            app = await create_app(settings)
            polling = asyncio.create_task(app.run(handle_signals=False, polling_timeout=1))
            try:
                await _script(owner, customer)
                async with app.db.reader.execute("SELECT COUNT(*) FROM answers") as cursor:
                    row = await cursor.fetchone()
                stored = row[0] if row else 0
            finally:
                await app.stop()
                await asyncio.wait_for(polling, timeout=STEP_TIMEOUT)
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


def main() -> None:
    asyncio.run(run_demo())
