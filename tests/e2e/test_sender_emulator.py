"""The outbound gate and the bulk sender with a real aiogram Bot against the emulator's flood
control."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bot.process.bulk_sender import BulkSender, SendOutcome, SendResult
from bot.process.outbound_gate import OutboundGate
from sandbox import BotAPIEmulator, EmulatedUser

TOKEN = "123456:TEST-token"
BATCH_TIMEOUT = 20.0  # generous upper bound on any batch below; no timing is asserted


@asynccontextmanager
async def emulated_bot(
    rate_limit: float, send_rate: float
) -> AsyncIterator[tuple[BotAPIEmulator, Bot, OutboundGate]]:
    """A bot whose session passes the gate at `send_rate`, against an emulator that takes
    `rate_limit` messages a second."""
    async with BotAPIEmulator(
        token=TOKEN, bot_username="x_bot", global_rate_limit=rate_limit
    ) as emu:
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
        gate = OutboundGate(rate_per_second=send_rate)
        bot.session.middleware(gate)
        try:
            yield emu, bot, gate
        finally:
            await bot.session.close()


def started_users(emu: BotAPIEmulator, count: int) -> list[EmulatedUser]:
    users = [emu.create_user(first_name=f"U{i}", username=f"u{i}") for i in range(count)]
    for user in users:
        user.send_text("/start")
    return users


def greeting(bot: Bot, chat_id: int) -> Callable[[], Awaitable[Message]]:
    return partial(bot.send_message, chat_id, f"Hello {chat_id}")


async def send_to_all(
    sender: BulkSender, bot: Bot, users: list[EmulatedUser]
) -> list[SendResult[Message]]:
    batch = asyncio.gather(*(sender.send(greeting(bot, u.chat_id)) for u in users))
    return list(await asyncio.wait_for(batch, BATCH_TIMEOUT))


def sent_per_chat(emu: BotAPIEmulator) -> Counter[int]:
    return Counter(r.params["chat_id"] for r in emu.calls("sendMessage") if r.status == 200)


def assert_each_got_one(emu: BotAPIEmulator, users: list[EmulatedUser]) -> None:
    assert sent_per_chat(emu) == Counter({u.chat_id: 1 for u in users})
    for user in users:
        assert [m.text for m in user.drain()] == [f"Hello {user.chat_id}"]


async def test_pacing_below_the_limit_never_hits_429() -> None:
    async with emulated_bot(rate_limit=30, send_rate=29) as (emu, bot, gate):
        users = started_users(emu, 120)
        sender = BulkSender()

        results = await send_to_all(sender, bot, users)

        assert emu.served_429 == 0
        assert all(r.outcome is SendOutcome.SENT and r.attempts == 1 for r in results)
        assert [r.value.chat.id for r in results if r.value] == [u.chat_id for u in users]
        assert_each_got_one(emu, users)
        assert sender.stats.sent == 120
        assert gate.stats.rate_limited == 0


async def test_429s_hold_the_gate_and_every_message_still_arrives_once() -> None:
    async with emulated_bot(rate_limit=5, send_rate=20) as (emu, bot, gate):
        users = started_users(emu, 14)
        sender = BulkSender()

        results = await send_to_all(sender, bot, users)

        assert emu.served_429 > 0
        assert gate.stats.rate_limited == emu.served_429
        assert all(r.outcome is SendOutcome.SENT for r in results)
        assert sum(r.attempts for r in results) == len(users)  # the gate tried them again
        assert_each_got_one(emu, users)
        assert sender.stats.sent == len(users)
        assert sender.stats.gave_up == 0


async def test_refusals_are_reported_without_retry() -> None:
    async with emulated_bot(rate_limit=30, send_rate=29) as (emu, bot, _):
        reachable, blocker = started_users(emu, 2)
        blocker.block_bot()
        stranger = emu.create_user(first_name="Never", username="never")  # no /start
        missing_chat = 999_999_999
        sender = BulkSender()

        results = await asyncio.wait_for(
            asyncio.gather(
                sender.send(greeting(bot, blocker.chat_id)),
                sender.send(greeting(bot, stranger.chat_id)),
                sender.send(greeting(bot, missing_chat)),
                sender.send(greeting(bot, reachable.chat_id)),
            ),
            BATCH_TIMEOUT,
        )

        blocked, never_started, not_found, ok = results
        assert blocked.outcome is SendOutcome.FORBIDDEN
        assert blocked.error == "Forbidden: bot was blocked by the user"
        assert never_started.outcome is SendOutcome.FORBIDDEN
        assert not_found.outcome is SendOutcome.BAD_REQUEST
        assert not_found.error == "Bad Request: chat not found"
        assert ok.outcome is SendOutcome.SENT
        assert [r.attempts for r in results] == [1, 1, 1, 1]
        per_chat = Counter(r.params["chat_id"] for r in emu.calls("sendMessage"))
        assert per_chat[blocker.chat_id] == 1
        assert per_chat[stranger.chat_id] == 1
        assert per_chat[missing_chat] == 1
        assert blocker.drain() == []
        assert sender.stats.forbidden == 2
        assert sender.stats.bad_request == 1
        assert sender.stats.sent == 1
