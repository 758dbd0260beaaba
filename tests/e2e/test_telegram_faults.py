"""Telegram's bad days during a dispatch: 5xx, dropped connections, slow answers, a 429 and a
customer who blocks the bot. No crash, no lost survey, no survey twice."""

from __future__ import annotations

import asyncio

from sandbox import BotAPIEmulator, EmulatedUser
from sandbox.faults import Fault, FaultKind
from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, rows
from tests.e2e.test_dispatch_faults import _seed_due_surveys


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
    emulator.inject("sendMessage", Fault.retry_after(2), 1)
    emulator.inject("sendMessage", Fault.slow(1.5), 1)
    blocker, reachable = users[4], [u for u in users if u is not users[4]]
    blocker.block_bot()  # 403 for this one, in the middle of the others
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
