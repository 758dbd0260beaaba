"""Failures on our side or Telegram's: told clearly, logged without personal data, survived."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from storage.database import BUSY_TIMEOUT_MS
from tests.e2e.conftest import Harness
from tests.e2e.steps import press_and_next, purchase, rows, started_customer
from tests.helpers import write_lock_held_elsewhere


async def _rename_answers_table(harness: Harness, old: str, new: str) -> None:
    """From another connection, in a thread: the bot's loop must go on while it waits."""

    def rename() -> None:
        with sqlite3.connect(harness.database_path, timeout=10) as conn:
            conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
        conn.close()

    await asyncio.to_thread(rename)


async def test_handler_error_is_logged_by_ids_and_polling_goes_on(
    running: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    customer = await started_customer(running, "Secretname")
    await purchase(running, customer)
    message = await customer.next_message()
    for label in ("3", "2", "No"):
        message = await press_and_next(customer, message, label)

    await _rename_answers_table(running, "answers", "answers_away")  # every answer write now fails
    with caplog.at_level(logging.DEBUG):
        failed_update = customer.send_text("Secret complaint about Olga")
        apology = await customer.next_message()
    assert "something went wrong" in (apology.text or "")
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(
        f"update {failed_update} from user {customer.id} failed with OperationalError" in line
        for line in errors
    ), errors
    for record in caplog.records:
        if record.levelno >= logging.INFO:
            text = record.getMessage() + (record.exc_text or "")
            assert "Secret complaint" not in text and "Secretname" not in text

    await _rename_answers_table(running, "answers_away", "answers")
    customer.send_text("Secret complaint about Olga")  # the same question still takes it
    assert "product or service" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT question FROM answers ORDER BY id") == [
        ("nps",),
        ("csat",),
        ("sat",),
        ("fix",),
    ]


async def test_failed_button_press_is_answered_too(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    nps = await customer.next_message()
    await _rename_answers_table(running, "answers", "answers_away")
    pressed = customer.press(nps, "3")
    assert "something went wrong" in ((await customer.callback_answer(pressed)).text or "")
    assert "something went wrong" in ((await customer.next_message()).text or "")
    await _rename_answers_table(running, "answers_away", "answers")
    customer.press(nps, "3")
    assert "How satisfied" in ((await customer.next_message(timeout=5)).text or "")


async def test_customer_who_blocked_the_bot_is_marked_and_nothing_breaks(
    running: Harness,
) -> None:
    blocker = await started_customer(running, "Blocker")
    other = await started_customer(running, "Other")
    blocker.block_bot()
    await purchase(running, blocker)
    await purchase(running, other)
    assert "recommend" in ((await other.next_message()).text or "")

    # Surveys go out in due order, so the blocker's was tried before the other one's.
    assert running.app is not None
    async with running.app.db.reader.execute(
        "SELECT s.status FROM surveys s JOIN customers c ON c.id = s.customer_id"
        " WHERE c.telegram_user_id = ?",
        (blocker.id,),
    ) as cursor:
        assert (await cursor.fetchone())[0] == "failed"
    async with running.app.db.reader.execute(
        "SELECT blocked_at IS NOT NULL FROM customers WHERE telegram_user_id = ?", (blocker.id,)
    ) as cursor:
        assert (await cursor.fetchone())[0] == 1


async def test_answers_wait_for_a_write_lock_held_longer_than_sqlites_busy_timeout(
    running: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    anna, boris, vera = [
        await started_customer(running, name) for name in ("Anna", "Boris", "Vera")
    ]
    await purchase(running, anna)
    nps = await anna.next_message()
    await purchase(running, boris)
    question = await boris.next_message()
    for label in ("5", "3", "No"):
        question = await press_and_next(boris, question, label)  # now "what should we fix?"
    gleb = running.emulator.create_user(first_name="Gleb", language_code="en")
    answers_before = await rows(running, "SELECT COUNT(*) FROM answers")
    await running.emulator.wait_idle()
    running.admin.drain()

    async with write_lock_held_elsewhere(running.database_path):
        anna.press(nps, "9")
        boris.send_text("Colder drinks")
        running.admin.send_text(f"/purchase {vera.id} 700")
        gleb.send_text("/start")
        await asyncio.sleep(BUSY_TIMEOUT_MS / 1000 + 1.5)  # longer than one busy timeout
        assert await rows(running, "SELECT COUNT(*) FROM answers") == answers_before
        for person in (anna, boris, gleb, running.admin):
            assert person.pending_messages() == [], "waiting, not refused"

    assert "How satisfied" in ((await anna.next_message(timeout=10)).text or "")
    assert "product or service" in ((await boris.next_message(timeout=10)).text or "")
    assert "registered" in ((await running.admin.next_message(timeout=10)).text or "")
    assert (await gleb.next_message(timeout=10)).text
    assert "How likely" in ((await vera.next_message(timeout=10)).text or "")
    await running.emulator.wait_idle()
    for person in (anna, boris, gleb, vera, running.admin):
        assert person.pending_messages() == []  # no "something went wrong"
    landed = await rows(running, "SELECT question, COALESCE(score, text) FROM answers")
    assert {("nps", 9), ("fix", "Colder drinks")} <= set(landed)
    assert len(landed) == answers_before[0][0] + 2
    assert any("held the write lock" in r.getMessage() for r in caplog.records)
