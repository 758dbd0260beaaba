"""Quiet hours, reminders, expiry and the throttle, with the bot's clock moved by the test."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, press_and_next, purchase, rows, started_customer
from tests.helpers import FakeClock

TICKS = 2.5  # seconds: more than two scheduler ticks at DISPATCH_INTERVAL=1s


async def _start_at(harness: Harness, moment: datetime, **overrides: str) -> FakeClock:
    clock = FakeClock(moment)
    harness.clock = clock
    harness.overrides.update(overrides)
    await harness.start()
    return clock


async def test_quiet_hours_hold_surveys_until_morning(harness: Harness) -> None:
    # 23:00 in Moscow (UTC+3): inside the default 21:00-09:00 window.
    clock = await _start_at(
        harness, datetime(2026, 11, 23, 20, 0, tzinfo=UTC), quiet_hours="21:00-09:00"
    )
    customer = await started_customer(harness)
    await purchase(harness, customer)
    await asyncio.sleep(TICKS)
    assert customer.pending_messages() == []
    assert await rows(harness, "SELECT status FROM surveys") == [("scheduled",)]
    clock.now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    assert "recommend" in ((await customer.next_message()).text or "")


async def test_one_reminder_for_an_unstarted_survey(harness: Harness) -> None:
    clock = await _start_at(harness, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    customer = await started_customer(harness)
    await purchase(harness, customer)
    first = await customer.next_message()
    clock.now += timedelta(hours=23)
    await asyncio.sleep(TICKS)
    assert customer.pending_messages() == []  # not yet: REMINDER_AFTER is 24h
    clock.now += timedelta(hours=2)
    reminder = await customer.next_message()
    assert (reminder.text or "").startswith("A gentle reminder")
    assert reminder.button_labels == [*(str(n) for n in range(11)), "Don't ask me again"]
    assert (await customer.wait_edited(first)).buttons == []
    clock.now += timedelta(hours=25)
    await asyncio.sleep(TICKS)
    assert customer.pending_messages() == []  # only one reminder
    assert "How satisfied" in ((await press_and_next(customer, reminder, "8")).text or "")


async def test_started_survey_gets_no_reminder(harness: Harness) -> None:
    clock = await _start_at(harness, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    customer = await started_customer(harness)
    await purchase(harness, customer)
    await press_and_next(customer, await customer.next_message(), "8")
    clock.now += timedelta(hours=30)
    await asyncio.sleep(TICKS)
    assert customer.pending_messages() == []


async def test_expired_survey_withdraws_its_buttons_and_frees_the_next(harness: Harness) -> None:
    clock = await _start_at(
        harness, datetime(2026, 11, 23, 9, 0, tzinfo=UTC), survey_throttle_days="0"
    )
    customer = await started_customer(harness)
    await purchase(harness, customer, "100 OLD-1")
    nps = await customer.next_message()
    clock.now += timedelta(days=3)
    await purchase(harness, customer, "200 NEW-1")  # waits: one survey at a time
    reminder = await customer.next_message()  # the first survey, unanswered for three days
    assert (reminder.text or "").startswith("A gentle reminder")
    clock.now += timedelta(days=4, minutes=1)
    assert (await customer.wait_edited(reminder)).buttons == []
    next_survey = await customer.next_message()
    assert "recommend" in (next_survey.text or "")
    assert await rows(harness, "SELECT status FROM surveys ORDER BY id") == [
        ("expired",),
        ("active",),
    ]
    stale = customer.press_data(
        nps.message_id, nps.reply_markup["inline_keyboard"][0][0]["callback_data"]
    )
    assert (await customer.callback_answer(stale)).text == "This survey is no longer available."


async def test_throttled_purchase_is_stored_without_a_survey(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer, "100 T-1")
    reply = await admin_says(running, f"/purchase {customer.id} 250 T-2")
    assert "No survey this time" in (reply.text or "") and "30 days" in (reply.text or "")
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(2,)]
    assert await rows(running, "SELECT COUNT(*) FROM surveys") == [(1,)]
