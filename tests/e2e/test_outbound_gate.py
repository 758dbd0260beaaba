"""Every message the bot sends or edits passes one gate, within SEND_RATE in total: replies
to a person's own action first, bulk work (alert copies beyond the first owner, the
scheduler's sends) with what is left, and a 429 holds the gate exactly as long as Telegram
asks. The emulator enforces Telegram's 30 messages per second over every sending and
editing method, as Telegram does."""

from __future__ import annotations

import asyncio
import time

from sandbox import BotMessage, EmulatedUser
from tests.e2e.conftest import Harness
from tests.e2e.steps import purchase, started_customer

TELEGRAM_LIMIT = 30
"""Messages per second Telegram takes from one bot; the emulator answers 429 beyond it."""


async def _customers_with_a_survey(
    harness: Harness, count: int
) -> list[tuple[EmulatedUser, BotMessage]]:
    """Customers, each with the first question of a survey in their chat."""
    customers = [await started_customer(harness, f"C{n}") for n in range(count)]
    asked = []
    for customer in customers:
        await purchase(harness, customer)
        asked.append((customer, await customer.next_message(timeout=10)))
    return asked


async def _seconds_to_next_message(customer: EmulatedUser, pressed: float) -> float:
    await customer.next_message(timeout=15)
    return time.monotonic() - pressed


async def test_ten_detractors_at_once_with_three_owners_get_no_429_and_no_wait(
    harness: Harness,
) -> None:
    """As measured on the first version: ten customers press a low score at once, every
    owner gets each alert. Replies to the taps bypassed the pacing, Telegram answered 429
    and each customer it refused waited a minute for the next question."""
    emulator = harness.emulator
    emulator.set_rate_limit(TELEGRAM_LIMIT)
    more_owners = [emulator.create_user(first_name=f"Owner{n}") for n in (2, 3)]
    harness.overrides["owner_ids"] = [harness.owner.id, *(owner.id for owner in more_owners)]
    await harness.start()
    for owner in (harness.owner, *more_owners):
        owner.send_text("/start")
        await owner.next_message()  # the welcome
    asked = await _customers_with_a_survey(harness, 10)
    pressed = time.monotonic()
    for customer, question in asked:
        customer.press(question, "3")
    waited = await asyncio.gather(
        *(_seconds_to_next_message(customer, pressed) for customer, _ in asked)
    )
    for owner in (harness.owner, *more_owners):
        alerts = await owner.next_messages(10, timeout=15)
        assert all("3" in (alert.text or "") for alert in alerts)
    assert emulator.served_429 == 0
    assert max(waited) < 2.0, waited  # 10 edits, 10 questions, 10 first alerts at 25/s


async def test_a_tap_is_answered_ahead_of_a_released_backlog(harness: Harness) -> None:
    """As each morning at the end of quiet hours: the backlog goes out at SEND_RATE while a
    customer already answers, and the customer's next question does not queue behind it."""
    harness.overrides["send_rate"] = 5  # a backlog of 12 takes 2.4 s of sending
    await harness.start()
    (answering, question), *_ = await _customers_with_a_survey(harness, 1)
    await admin_surveys_paused(harness)
    held = [await started_customer(harness, f"H{n}") for n in range(12)]
    for customer in held:
        await purchase(harness, customer)
    harness.admin.send_text("/resume")
    await harness.admin.next_message()
    await harness.emulator.wait_for(lambda: any(c.pending_messages() for c in held), timeout=5)
    pressed = time.monotonic()
    answering.press(question, "9")
    await answering.next_message(timeout=10)
    waited = time.monotonic() - pressed
    backlog_left = sum(not customer.pending_messages() for customer in held)
    assert waited < 1.0 and backlog_left >= 6, (waited, backlog_left)
    for customer in held:  # and the backlog still goes out, every survey once
        await customer.next_message(timeout=10)
    assert harness.emulator.served_429 == 0


async def admin_surveys_paused(harness: Harness) -> None:
    harness.admin.send_text("/pause")
    await harness.admin.next_message()
