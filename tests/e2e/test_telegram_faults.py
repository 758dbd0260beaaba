"""Telegram's bad days during a dispatch: 5xx, dropped connections, requests that time out,
slow answers, a 429 and a customer who blocks the bot. No crash, no lost survey, no survey twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.survey.conversation import SEND_AGAIN_AFTER
from core.clock import to_db, utc_now
from sandbox import BotAPIEmulator, EmulatedUser
from sandbox.faults import Fault, FaultKind
from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, rows
from tests.e2e.test_dispatch_faults import _seed_due_surveys
from tests.helpers import FakeClock, eventually


def _questions(user: EmulatedUser) -> int:
    return sum("recommend" in (m.text or "") for m in user.pending_messages())


def _customers(emulator: BotAPIEmulator, count: int) -> list[EmulatedUser]:
    return [emulator.create_user(first_name=f"F{i}", language_code="en") for i in range(count)]


async def test_faults_mid_dispatch_delay_but_lose_and_repeat_nothing(harness: Harness) -> None:
    emulator = harness.emulator
    users = _customers(emulator, 10)
    await _seed_due_surveys(harness.database_path, users)
    emulator.inject("sendMessage", Fault.server_error(502), 2)
    emulator.inject("sendMessage", Fault.server_error(500), 1)
    emulator.inject("sendMessage", Fault.drop(), 2)
    emulator.inject("sendMessage", Fault.hang(60), 1)  # only the bot's timeout ends it
    emulator.inject("sendMessage", Fault.retry_after(2), 1)
    emulator.inject("sendMessage", Fault.slow(1.5), 1)  # within the timeout: done, late
    blocker, reachable = users[4], [u for u in users if u is not users[4]]
    blocker.block_bot()  # 403 for this one, in the middle of the others
    harness.request_timeout = 2.5  # shorter than aiogram's 60 s, to keep the test short
    await harness.start()

    await emulator.wait_for(lambda: all(_questions(u) >= 1 for u in reachable), timeout=40)
    assert emulator.faults.pending == 0
    assert {kind for _, kind in emulator.faults.played} == set(FaultKind)
    await asyncio.sleep(2.5)  # two ticks more: nothing is sent again
    assert [_questions(u) for u in reachable] == [1] * len(reachable)
    assert blocker.pending_messages() == []
    statuses = await rows(harness, "SELECT status, COUNT(*) FROM surveys GROUP BY status")
    assert dict(statuses) == {"active": 9, "failed": 1}
    reply = await admin_says(harness, "/help")  # and the bot goes on answering
    assert "/purchase" in (reply.text or "")


async def test_a_first_question_telegram_kept_failing_is_sent_again_later(
    harness: Harness,
) -> None:
    """A 5xx run longer than the sender's retries: the survey waits SEND_AGAIN_AFTER, then
    goes out once (not a day later as a reminder)."""
    customer = _customers(harness.emulator, 1)[0]
    await _seed_due_surveys(harness.database_path, [customer])
    clock = FakeClock(utc_now())
    harness.clock = clock
    harness.emulator.inject("sendMessage", Fault.server_error(503), 4)  # every attempt
    await harness.start()
    await harness.emulator.wait_for(lambda: harness.emulator.faults.pending == 0, timeout=20)

    async def sent_at() -> list[tuple]:
        return await rows(harness, "SELECT status, sent_at FROM surveys")

    async def recorded_unsent() -> bool:  # the give-up: still active, never delivered
        return await sent_at() == [("active", None)]

    await eventually(recorded_unsent)
    clock.now += SEND_AGAIN_AFTER - timedelta(seconds=30)
    await asyncio.sleep(2.5)  # two ticks: too early yet
    assert _questions(customer) == 0
    clock.now += timedelta(seconds=31)
    await harness.emulator.wait_for(lambda: _questions(customer) == 1, timeout=10)
    await asyncio.sleep(2.5)
    assert _questions(customer) == 1
    assert await sent_at() == [("active", to_db(clock.now))]
    clock.now += timedelta(hours=25)  # the reminder still comes once, a day after the send
    await harness.emulator.wait_for(lambda: _questions(customer) == 2, timeout=10)


async def test_a_reminder_telegram_kept_failing_is_owed_again(harness: Harness) -> None:
    """The reminder is claimed before it is sent (one at most, even across a crash); a send
    the sender gave up on makes it owed again, so it still comes, once."""
    customer = _customers(harness.emulator, 1)[0]
    await _seed_due_surveys(harness.database_path, [customer])
    clock = FakeClock(utc_now())
    harness.clock = clock
    await harness.start()
    await harness.emulator.wait_for(lambda: _questions(customer) == 1, timeout=10)
    harness.emulator.inject("sendMessage", Fault.server_error(503), 4)  # every attempt
    clock.now += timedelta(hours=25)
    await harness.emulator.wait_for(lambda: harness.emulator.faults.pending == 0, timeout=20)
    await harness.emulator.wait_for(lambda: _questions(customer) == 2, timeout=10)
    assert "reminder" in (customer.pending_messages()[-1].text or "")
    await asyncio.sleep(2.5)  # two ticks more: one reminder
    assert _questions(customer) == 2
    assert await rows(harness, "SELECT reminded_at IS NOT NULL FROM surveys") == [(1,)]
