"""Stopping the bot at any step and starting it again continues the same survey."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import answer_step, press_and_next, purchase, rows, started_customer

STEPS: list[tuple[str, str]] = [
    ("press", "8"),  # NPS
    ("press", "3"),  # CSAT
    ("press", "No"),  # 100% satisfied?
    ("text", "Rude staff"),  # what to fix
    ("text", "Gift cards"),  # upsell
    ("text", "Ivan, +7 900 000-00-00"),  # referral
]


@pytest.mark.parametrize("stop_after", range(len(STEPS)))
async def test_restart_after_each_step(running: Harness, stop_after: int) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    message = await customer.next_message()
    for step in STEPS[: stop_after + 1]:
        await answer_step(customer, message, step)
        message = await customer.next_message()

    await running.restart()

    for step in STEPS[stop_after + 1 :]:
        await answer_step(customer, message, step)
        message = await customer.next_message()
    assert "Thank you" in (message.text or "")
    assert customer.pending_messages() == []  # nothing was asked twice
    assert await rows(running, "SELECT COUNT(*) FROM answers") == [(len(STEPS),)]
    assert await rows(running, "SELECT status FROM surveys") == [("completed",)]


async def test_survey_due_while_the_bot_was_down_goes_out_after_start(harness: Harness) -> None:
    harness.overrides["survey_delay"] = "2s"
    await harness.start()
    customer = await started_customer(harness)
    await purchase(harness, customer)
    await harness.stop()
    await asyncio.sleep(2.5)  # the survey falls due while nothing runs
    await harness.start()
    nps = await customer.next_message(timeout=10)
    assert "recommend" in (nps.text or "")


async def test_question_owed_after_a_crash_is_asked_on_start(running: Harness) -> None:
    """The answer was stored but the next question never left: a restart sends it."""
    customer = await started_customer(running)
    await purchase(running, customer)
    nps = await customer.next_message()
    assert running.app is not None
    # Simulate the crash window: the NPS answer is committed, the CSAT question is not sent.
    async with running.app.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO answers (survey_id, question, score, answered_at)"
            " SELECT id, 'nps', 9, '2026-11-23T10:00:00.000000Z' FROM surveys"
        )
        await conn.execute("UPDATE surveys SET step = 'csat', prompt_message_id = NULL")
    await running.restart()
    csat = await customer.next_message()
    assert "How satisfied are you with your purchase" in (csat.text or "")
    stale = customer.press(nps, "0")  # the crash also kept the NPS buttons from being removed
    assert "already" in ((await customer.callback_answer(stale)).text or "")
    customer.press(csat, "5")
    assert "100%" in ((await customer.next_message()).text or "")


async def test_thank_you_owed_after_a_crash_is_sent_on_start(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    message = await customer.next_message()
    for label in ("10", "5", "Yes", "No, thanks"):
        message = await press_and_next(customer, message, label)
    await running.stop()
    # The crash window: the last answer is committed, the thank-you never left.
    with sqlite3.connect(running.database_path) as conn:
        conn.execute(
            "INSERT INTO answers (survey_id, question, choice, answered_at)"
            " SELECT id, 'ref', 'no', '2026-11-23T10:00:00.000000Z' FROM surveys"
        )
        conn.execute(
            "UPDATE surveys SET step = 'done', status = 'completed', prompt_message_id = NULL"
        )
    conn.close()
    await running.start()
    assert "Thank you" in ((await customer.next_message()).text or "")
    await running.restart()  # and only once
    await running.emulator.wait_idle()
    assert customer.pending_messages() == []
