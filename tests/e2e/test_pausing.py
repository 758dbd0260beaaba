"""/pause and /resume: no survey starts while paused; answers in progress still work."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, purchase, rows, started_customer

TICKS = 2.5  # seconds: more than two scheduler ticks at DISPATCH_INTERVAL=1s


async def test_pause_holds_new_surveys_and_resume_sends_them(running: Harness) -> None:
    answering = await started_customer(running, "Anna")
    await purchase(running, answering)
    question = await answering.next_message()

    assert "Surveys are paused" in ((await admin_says(running, "/pause")).text or "")
    waiting = await started_customer(running, "Boris")
    await purchase(running, waiting)
    # the survey already running still takes answers
    answering.press(question, "9")
    assert "How satisfied" in ((await answering.next_message()).text or "")
    await asyncio.sleep(TICKS)
    assert waiting.pending_messages() == []
    assert await rows(running, "SELECT status FROM surveys ORDER BY id") == [
        ("active",),
        ("scheduled",),
    ]

    await running.restart()  # the pause is kept in the database
    await asyncio.sleep(TICKS)
    assert waiting.pending_messages() == []

    assert "running again" in ((await admin_says(running, "/resume")).text or "")
    assert "recommend" in ((await waiting.next_message()).text or "")
    assert "were not paused" in ((await admin_says(running, "/resume")).text or "")


async def test_customers_cannot_pause(running: Harness) -> None:
    customer = await started_customer(running)
    customer.send_text("/pause")
    assert "for staff only" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT COUNT(*) FROM meta WHERE key = 'surveys_paused_at'") == [
        (0,)
    ]
