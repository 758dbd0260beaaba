"""The scheduler's sends under Telegram's 429s and across stops and kills mid-dispatch."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

from core.clock import to_db, utc_now
from sandbox import BotAPIEmulator, EmulatedUser
from sandbox.faults import Fault
from storage.customers import new_referral_code
from storage.database import Database
from tests.consistency import check_consistency
from tests.e2e.conftest import Harness
from tests.e2e.process import BotProcess


async def _seed_due_surveys(database: Path, users: list[EmulatedUser]) -> None:
    """Customers who started the bot long ago, each with one survey due now."""
    await (await Database.open(database)).close()  # the schema, as the bot makes it
    now = to_db(utc_now())
    with sqlite3.connect(database) as conn:
        for user in users:
            user.mark_started()
            cursor = conn.execute(
                "INSERT INTO customers (telegram_user_id, first_name, language, referral_code,"
                " started_at, created_at, updated_at) VALUES (?, ?, 'en', ?, ?, ?, ?)",
                (user.id, user.first_name, new_referral_code(), now, now, now),
            )
            conn.execute(
                "INSERT INTO surveys (customer_id, status, step, due_at, created_at, updated_at)"
                " VALUES (?, 'scheduled', 'nps', ?, ?, ?)",
                (cursor.lastrowid, now, now, now),
            )
    conn.close()


def _questions(user: EmulatedUser) -> int:
    return sum("recommend" in (m.text or "") for m in user.pending_messages())


def _customers(emulator: BotAPIEmulator, count: int) -> list[EmulatedUser]:
    return [emulator.create_user(first_name=f"C{i}", language_code="en") for i in range(count)]


async def test_429_storm_delays_but_delivers_every_survey_once(harness: Harness) -> None:
    users = _customers(harness.emulator, 12)
    await _seed_due_surveys(harness.database_path, users)
    harness.emulator.set_rate_limit(3)  # far below SEND_RATE: the sender meets 429s
    await harness.start()
    await harness.emulator.wait_for(lambda: all(_questions(u) >= 1 for u in users), timeout=40)
    assert harness.emulator.served_429 > 0
    await asyncio.sleep(1.5)  # a tick more: nothing is sent again
    assert [_questions(u) for u in users] == [1] * len(users)


async def test_a_35_s_retry_after_holds_every_send_then_delivers_each_once(
    harness: Harness,
) -> None:
    users = _customers(harness.emulator, 3)
    await _seed_due_surveys(harness.database_path, users)
    harness.emulator.inject("sendMessage", Fault.retry_after(35), 1)  # Telegram's longest
    await harness.start()
    await harness.emulator.wait_for(lambda: all(_questions(u) >= 1 for u in users), timeout=50)
    calls = harness.emulator.calls("sendMessage")
    (limited,) = [call for call in calls if call.status == 429]
    delivered = [call for call in calls if call.status == 200]
    assert len(delivered) == len(users)
    assert all(call.time - limited.time >= 35 for call in delivered)  # nobody jumped the pause
    await asyncio.sleep(1.5)  # a tick more: nothing is sent again
    assert [_questions(u) for u in users] == [1] * len(users)


async def test_a_graceful_stop_in_a_429_pause_is_quick_and_owes_the_surveys(
    harness: Harness,
) -> None:
    """A stop does not wait out the pause: the surveys not sent (the one Telegram refused
    with its 429 too) go back to the queue and the next start sends each once.

    A send already on its way when the 429 came back (a loaded machine answers slowly) is
    delivered, and its survey is active: never sent twice, never lost."""
    users = _customers(harness.emulator, 3)
    await _seed_due_surveys(harness.database_path, users)
    harness.emulator.inject("sendMessage", Fault.retry_after(35), 1)
    await harness.start()
    await harness.emulator.wait_for(lambda: harness.emulator.faults.pending == 0, timeout=10)
    async with asyncio.timeout(5):
        await harness.stop()
    statuses = await _statuses(harness.database_path)
    delivered = [_questions(u) for u in users]
    assert 0 in delivered  # the one refused, at least
    expected = [("active", True) if sent else ("scheduled", False) for sent in delivered]
    assert [(status, sent_at is not None) for status, sent_at in statuses] == expected
    assert set(delivered) <= {0, 1}
    await harness.start()
    await harness.emulator.wait_for(lambda: all(_questions(u) >= 1 for u in users), timeout=10)
    await asyncio.sleep(1.5)
    assert [_questions(u) for u in users] == [1] * len(users)


async def _statuses(database: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        found = conn.execute("SELECT status, sent_at FROM surveys ORDER BY id").fetchall()
    conn.close()
    return found


async def test_graceful_stop_mid_dispatch_loses_and_repeats_nothing(harness: Harness) -> None:
    users = _customers(harness.emulator, 30)
    await _seed_due_surveys(harness.database_path, users)
    harness.overrides["send_rate"] = "10"
    await harness.start()
    await harness.emulator.wait_for(lambda: sum(_questions(u) for u in users) >= 5, timeout=20)
    await harness.stop()
    sent_at_stop = sum(_questions(u) for u in users)
    assert sent_at_stop < len(users), "the stop came too late to test anything"
    await harness.start()
    await harness.emulator.wait_for(lambda: all(_questions(u) >= 1 for u in users), timeout=30)
    await asyncio.sleep(1.5)
    assert [_questions(u) for u in users] == [1] * len(users)


async def test_sigkill_mid_dispatch_never_sends_a_survey_twice(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    owner = emulator.create_user(first_name="Olga", language_code="en")
    users = _customers(emulator, 30)
    database = tmp_path / "feedback.db"
    await _seed_due_surveys(database, users)
    bot = BotProcess(emulator, tmp_path, owner.id, send_rate="10")
    await bot.start()
    try:
        await emulator.wait_for(lambda: sum(_questions(u) for u in users) >= 5, timeout=30)
        await bot.kill()
        await bot.start()
        await emulator.wait_for(lambda: _settled(database, len(users)), timeout=30)
        await asyncio.sleep(1.5)
        counts = [_questions(u) for u in users]
        assert max(counts) == 1  # at most once, even across the kill
        owed = _cut_off(database)
        # A send the kill cut off is not repeated (it may or may not have reached the
        # customer); it waits for its reminder instead. Every other survey arrived once.
        assert all(count == 1 or user.id in owed for user, count in zip(users, counts, strict=True))
        assert len(owed) <= 10  # at most the batch in flight at the kill (SEND_RATE=10)

        # A day on (REMINDER_AFTER): the reminder reaches everyone, the cut-off ones too.
        _sent_a_day_ago(database)
        await emulator.wait_for(lambda: all(_questions(u) >= 1 for u in users), timeout=30)
        await emulator.wait_for(
            lambda: all(_questions(u) == 2 for u in users if u.id not in owed), timeout=30
        )
        await asyncio.sleep(1.5)
    finally:
        await bot.terminate()
    assert all(1 <= _questions(user) <= 2 for user in users)  # one reminder, never a third
    check_consistency(database)


def _cut_off(database: Path) -> set[int]:
    """Customers whose first question was on its way at the kill: never recorded as sent."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        found = {
            row[0]
            for row in conn.execute(
                "SELECT c.telegram_user_id FROM surveys s JOIN customers c"
                " ON c.id = s.customer_id WHERE s.status = 'active'"
                " AND s.prompt_message_id IS NULL"
            )
        }
    conn.close()
    return found


def _sent_a_day_ago(database: Path) -> None:
    """Move every survey's send a day and an hour back: the bot's clock is the real one."""
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE surveys SET sent_at = ? WHERE status = 'active'",
            (to_db(utc_now() - timedelta(hours=25)),),
        )
    conn.close()


def _settled(database: Path, total: int) -> bool:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        scheduled = conn.execute(
            "SELECT COUNT(*) FROM surveys WHERE status = 'scheduled'"
        ).fetchone()[0]
    conn.close()
    return scheduled == 0
