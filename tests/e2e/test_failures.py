"""Failures on our side or Telegram's: told clearly, logged without personal data, survived."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import purchase, started_customer


def _rename_answers_table(harness: Harness, old: str, new: str) -> None:
    with sqlite3.connect(harness.database_path) as conn:
        conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
    conn.close()


async def test_handler_error_is_logged_by_ids_and_polling_goes_on(
    running: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    customer = await started_customer(running, "Secretname")
    await purchase(running, customer)
    nps = await customer.next_message()

    _rename_answers_table(running, "answers", "answers_away")  # every answer write now fails
    with caplog.at_level(logging.INFO):
        pressed = customer.press(nps, "3")
        apology = await customer.next_message()
    assert "something went wrong" in (apology.text or "")
    assert "something went wrong" in ((await customer.callback_answer(pressed)).text or "")
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures, "the failure was not logged"
    for record in caplog.records:
        if record.levelno >= logging.INFO:
            assert "Secretname" not in record.getMessage()

    _rename_answers_table(running, "answers_away", "answers")
    customer.press(nps, "3")  # the same question still works: nothing was half-stored
    assert "How satisfied" in ((await customer.next_message()).text or "")


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
