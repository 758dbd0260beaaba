"""What a customer and an admin do in the chat, as reusable steps."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiohttp
from hypothesis import HealthCheck, Phase, settings

from sandbox import BotAPIEmulator, BotMessage, EmulatedUser
from storage import customers
from storage.intake import record_purchase_in
from storage.purchases import NewPurchase
from tests.consistency import check_consistency
from tests.e2e.conftest import BOT_USERNAME, TOKEN, Harness


async def started_customer(
    harness: Harness, first_name: str = "Anna", language_code: str = "en"
) -> EmulatedUser:
    customer = harness.emulator.create_user(
        first_name=first_name, username=first_name.lower(), language_code=language_code
    )
    customer.send_text("/start")
    await customer.next_message()  # the welcome
    return customer


async def admin_says(harness: Harness, text: str) -> BotMessage:
    harness.admin.send_text(text)
    return await harness.admin.next_message()


async def owner_says(harness: Harness, text: str) -> str:
    harness.owner.send_text(text)
    return (await harness.owner.next_message()).text or ""


async def purchase(harness: Harness, customer: EmulatedUser, args: str = "1500") -> BotMessage:
    reply = await admin_says(harness, f"/purchase {customer.id} {args}")
    assert "registered" in (reply.text or ""), reply.text
    return reply


async def purchase_by_phone_only(harness: Harness, phone: str, order_id: str) -> None:
    """A purchase the till knew only by phone, before anyone in Telegram shared that number."""
    assert harness.app is not None
    now = harness.clock()
    async with harness.app.db.transaction() as conn:
        phone_only = await customers.get_or_create_by_phone(conn, phone, now)
        await record_purchase_in(
            conn,
            NewPurchase(phone_only.id, 5000, "RUB", now, "api", order_id=order_id),
            harness.app.settings.survey_rules,
            now=now,
        )


async def past_purchase(
    harness: Harness,
    phone: str,
    when: datetime,
    amount_minor: int | None = 100_000,
    store: str | None = None,
) -> None:
    """A purchase from the shop's history (an import of its till's records): stored and
    counted in the figures, too old to be surveyed."""
    assert harness.app is not None
    async with harness.app.db.transaction() as conn:
        customer = await customers.get_or_create_by_phone(conn, phone, when)
        await record_purchase_in(
            conn,
            NewPurchase(customer.id, amount_minor, "RUB", when, "api", store=store),
            harness.app.settings.survey_rules,
            now=harness.clock(),
        )


async def press_and_next(customer: EmulatedUser, message: BotMessage, label: str) -> BotMessage:
    """Press a button and return the next question the bot sends."""
    customer.press(message, label)
    return await customer.next_message()


async def answer_step(customer: EmulatedUser, message: BotMessage, step: tuple[str, str]) -> None:
    """`("press", label)` presses a button of `message`; `("text", words)` writes."""
    kind, value = step
    if kind == "press":
        customer.press(message, value)
    else:
        customer.send_text(value)


async def rows(harness: Harness, sql: str, *params: object) -> list[tuple]:
    """Query the running bot's database."""
    assert harness.app is not None
    async with harness.app.db.reader.execute(sql, params) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def finish_survey(customer: EmulatedUser) -> BotMessage:
    """Answer a survey that just arrived with the quickest path; return the thank-you."""
    message = await customer.next_message()
    for label in ("10", "5", "Yes", "No, thanks", "No"):
        message = await press_and_next(customer, message, label)
    return message


FRESH_BOT_EXAMPLES = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a shrink re-runs the whole bot: minutes
)
"""Hypothesis settings for property tests whose every example runs `in_fresh_bot`."""


async def in_fresh_bot(scenario: Callable[[Harness], Awaitable[None]], **overrides: object) -> int:
    """Play `scenario` against a bot started on a fresh emulator and database (one example
    of a property test), with these settings changed, then check the database; returns how
    many surveys it holds."""
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "feedback.db"
        async with BotAPIEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emulator:
            owner = emulator.create_user(first_name="Olga", language_code="en")
            admin = emulator.create_user(first_name="Adam", language_code="en")
            harness = Harness(emulator, database, owner, admin)
            harness.overrides.update(overrides)
            await harness.start()
            try:
                await scenario(harness)
            finally:
                await harness.stop()
        return check_consistency(database)


@asynccontextmanager
async def served_api(harness: Harness) -> AsyncIterator[aiohttp.ClientSession]:
    """A session to the started bot's own HTTP server (start it with `api_token` set and
    `api_port` "0": any free port)."""
    app = harness.app
    assert app is not None and app.api_runner is not None, "start the harness with an API"
    host, port = app.api_runner.addresses[0][:2]
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(f"http://{host}:{port}", timeout=timeout) as session:
        yield session
