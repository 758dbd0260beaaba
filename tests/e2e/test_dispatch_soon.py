"""With no SURVEY_DELAY, every intake path sends its survey at once, not at the next tick.

The ticks here are an hour apart (DISPATCH_INTERVAL=1h) and the one at start-up is over
before each test begins, so a survey that arrives within seconds was sent by the wake-up.
The ticks themselves start the same dispatch, and return at once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.app import FeedbackApp
from sandbox.faults import Fault
from tests.e2e.conftest import Harness
from tests.e2e.steps import (
    admin_says,
    purchase,
    purchase_by_phone_only,
    rows,
    started_customer,
)
from tests.helpers import FakeClock

API_TOKEN = "soon-token"
WITHIN = 3.0  # seconds; the next tick is an hour away


@pytest.fixture
async def hourly(harness: Harness) -> Harness:
    harness.overrides.update(dispatch_interval="1h", api_token=API_TOKEN, api_port="0")
    app = await harness.start()
    await app.jobs.dispatch_surveys()  # waits for the start-up tick to finish
    return harness


def _api_url(app: FeedbackApp) -> str:
    assert app.api_runner is not None
    host, port = app.api_runner.addresses[0][:2]
    return f"http://{host}:{port}"


async def _post(app: FeedbackApp, path: str, body: object) -> int:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(_api_url(app) + path, json=body, headers=headers) as response,
    ):
        return response.status


async def test_purchase_command_sends_the_survey_at_once(hourly: Harness) -> None:
    customer = await started_customer(hourly)
    await purchase(hourly, customer, "1500 SOON-1")
    assert "recommend" in ((await customer.next_message(timeout=WITHIN)).text or "")


async def test_api_purchases_send_their_surveys_at_once_and_once(hourly: Harness) -> None:
    assert hourly.app is not None
    first, second, third = [await started_customer(hourly, name) for name in ("A", "B", "C")]
    assert await _post(hourly.app, "/api/purchases", _item("API-1", first.id)) == 201
    assert "recommend" in ((await first.next_message(timeout=WITHIN)).text or "")
    batch = {"purchases": [_item("API-2", second.id), _item("API-3", third.id)]}
    assert await _post(hourly.app, "/api/purchases/batch", batch) == 200
    for customer in (second, third):
        assert "recommend" in ((await customer.next_message(timeout=WITHIN)).text or "")
    await asyncio.sleep(0.5)
    assert [c.pending_messages() for c in (first, second, third)] == [[], [], []]
    assert await rows(hourly, "SELECT COUNT(*) FROM surveys WHERE status = 'active'") == [(3,)]


def _item(order_id: str, telegram_user_id: int) -> dict[str, object]:
    return {"order_id": order_id, "amount": 990, "telegram_user_id": telegram_user_id}


async def test_a_qr_code_sends_the_survey_at_once(hourly: Harness) -> None:
    card = await admin_says(hourly, "/qr shop1")
    payload = next(w for w in (card.caption or "").split() if "start=" in w).split("start=")[1]
    customer = hourly.emulator.create_user(first_name="Vera", language_code="en")
    customer.send_text(f"/start {payload}")
    _welcome, thanks, nps = await customer.next_messages(3, timeout=WITHIN)
    assert "Thank you for your purchase" in (thanks.text or "")
    assert "recommend" in (nps.text or "")
    await asyncio.sleep(0.5)
    assert customer.pending_messages() == []


async def test_an_admin_scanning_a_qr_code_is_asked_the_first_question_once(
    hourly: Harness,
) -> None:
    """/start does more for an admin (the staff menu, a round trip to Telegram) before it
    checks for a survey to continue; the survey the code made due must not exist yet."""
    card = await admin_says(hourly, "/qr shop1")
    payload = next(w for w in (card.caption or "").split() if "start=" in w).split("start=")[1]
    hourly.emulator.inject("setMyCommands", Fault.slow(0.3))
    hourly.admin.send_text(f"/start {payload}")
    _welcome, thanks, nps = await hourly.admin.next_messages(3, timeout=WITHIN)
    assert "Thank you for your purchase" in (thanks.text or "")
    assert "recommend" in (nps.text or "")
    await asyncio.sleep(0.5)
    assert hourly.admin.pending_messages() == []


async def test_a_csv_file_sends_its_surveys_at_once(hourly: Harness) -> None:
    anna, boris = await started_customer(hourly, "Anna"), await started_customer(hourly, "Boris")
    content = f"order_id;amount;telegram_user_id\nF-1;100;{anna.id}\nF-2;200;{boris.id}\n"
    hourly.admin.send_document(filename="purchases.csv", content=content.encode())
    assert "purchases imported: 2," in ((await hourly.admin.next_message()).text or "")
    for customer in (anna, boris):
        assert "recommend" in ((await customer.next_message(timeout=WITHIN)).text or "")


async def test_sharing_a_phone_sends_the_survey_of_a_purchase_made_by_it(hourly: Harness) -> None:
    customer = await started_customer(hourly, "Pavel")
    await purchase_by_phone_only(hourly, "+79005556677", "TILL-9")
    customer.send_contact(phone_number="+7 900 555-66-77", first_name="Pavel", user_id=customer.id)
    saved, nps = await customer.next_messages(2, timeout=WITHIN)
    assert saved.text == "Thank you! Your number is saved."
    assert "recommend" in (nps.text or "")


async def test_a_dispatch_longer_than_the_interval_warns_of_nothing_and_sends_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Six surveys at SEND_RATE=2 take three seconds of sending at DISPATCH_INTERVAL=1s; due
    a second after the purchase, they are sent by a tick."""
    harness.overrides.update(send_rate="2", survey_delay="1", api_token=API_TOKEN, api_port="0")
    app = await harness.start()
    shoppers = [await started_customer(harness, f"C{n}") for n in range(6)]
    batch = {"purchases": [_item(f"LONG-{n}", c.id) for n, c in enumerate(shoppers)]}
    with caplog.at_level(logging.WARNING):
        assert await _post(app, "/api/purchases/batch", batch) == 200
        for customer in shoppers:
            assert "recommend" in ((await customer.next_message(timeout=8)).text or "")
        await asyncio.sleep(1.5)  # a tick or two after the last send
    assert [c.pending_messages() for c in shoppers] == [[]] * 6
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_staff_buying_for_themselves_get_the_confirmation_then_the_survey(
    hourly: Harness,
) -> None:
    hourly.admin.send_text("/start")
    await hourly.admin.next_message()  # the welcome
    hourly.admin.send_text(f"/purchase {hourly.admin.id} 100 SELF-1")
    confirmation, survey = await hourly.admin.next_messages(2, timeout=WITHIN)
    assert "registered" in (confirmation.text or "")
    assert "recommend" in (survey.text or "")


async def test_a_failed_confirmation_still_sends_the_survey_at_once(hourly: Harness) -> None:
    """A redelivered /purchase would find its order stored and make nothing due."""
    customer = await started_customer(hourly)
    hourly.emulator.inject("sendMessage", Fault.server_error(502))  # the confirmation
    hourly.admin.send_text(f"/purchase {customer.id} 700 FAIL-1")
    assert "recommend" in ((await customer.next_message(timeout=WITHIN)).text or "")
    assert await rows(hourly, "SELECT order_id FROM purchases") == [("FAIL-1",)]


async def test_stopping_right_after_a_batch_loses_and_repeats_no_survey(
    hourly: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The stop waits for the wake-up's dispatch (it writes and sends) before closing."""
    assert hourly.app is not None
    shoppers = [await started_customer(hourly, f"S{n}") for n in range(20)]
    batch = {"purchases": [_item(f"STOP-{n}", c.id) for n, c in enumerate(shoppers)]}
    with caplog.at_level(logging.WARNING):
        assert await _post(hourly.app, "/api/purchases/batch", batch) == 200
        await hourly.stop()  # the wake-up's dispatch may be half done
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    await hourly.start()  # the start-up tick sends what it left
    for customer in shoppers:
        assert "recommend" in ((await customer.next_message(timeout=WITHIN)).text or "")
    await asyncio.sleep(0.5)
    assert [c.pending_messages() for c in shoppers] == [[]] * 20
    assert await rows(hourly, "SELECT COUNT(*) FROM surveys WHERE status = 'active'") == [(20,)]


async def _hourly_at(harness: Harness, moment: datetime, **overrides: str) -> FakeClock:
    clock = FakeClock(moment)
    harness.clock = clock
    harness.overrides.update(dispatch_interval="1h", **overrides)
    app = await harness.start()
    await app.jobs.dispatch_surveys()
    return clock


async def test_a_wake_up_keeps_the_pause_and_expires_what_it_held_too_long(
    harness: Harness,
) -> None:
    clock = await _hourly_at(harness, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert "paused" in ((await admin_says(harness, "/pause")).text or "")
    held = await started_customer(harness, "Held")
    await purchase(harness, held, "100 HELD-1")
    await asyncio.sleep(0.5)
    assert held.pending_messages() == []  # the wake-up kept the pause
    clock.now += timedelta(days=8)  # past SURVEY_EXPIRES_AFTER (7 days)
    assert "running again" in ((await admin_says(harness, "/resume")).text or "")
    fresh = await started_customer(harness, "Fresh")
    await purchase(harness, fresh, "100 FRESH-1")
    assert "recommend" in ((await fresh.next_message(timeout=WITHIN)).text or "")
    await asyncio.sleep(0.5)
    assert held.pending_messages() == []  # eight days late: expired, never sent
    assert await rows(harness, "SELECT status FROM surveys ORDER BY id") == [
        ("expired",),
        ("active",),
    ]


async def test_resume_sends_what_the_pause_held_at_once(hourly: Harness) -> None:
    await admin_says(hourly, "/pause")
    customer = await started_customer(hourly)
    await purchase(hourly, customer, "100 RESUME-1")
    await asyncio.sleep(0.5)
    assert customer.pending_messages() == []
    await admin_says(hourly, "/resume")
    assert "recommend" in ((await customer.next_message(timeout=WITHIN)).text or "")


async def test_a_wake_up_keeps_quiet_hours(harness: Harness) -> None:
    # 23:00 in Moscow (UTC+3), inside 21:00-09:00
    await _hourly_at(harness, datetime(2026, 11, 23, 20, 0, tzinfo=UTC), quiet_hours="21:00-09:00")
    customer = await started_customer(harness)
    await purchase(harness, customer, "100 NIGHT-1")
    await asyncio.sleep(1)
    assert customer.pending_messages() == []
    assert await rows(harness, "SELECT status FROM surveys") == [("scheduled",)]
