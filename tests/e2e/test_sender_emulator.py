"""RateLimitedSender with a real aiogram Bot against the emulator's flood control."""

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

from bot.process.sender import RateLimitedSender, SendOutcome, SendResult
from sandbox import BotAPIEmulator, EmulatedUser

TOKEN = "123456:TEST-token"
BATCH_TIMEOUT = 20.0  # generous upper bound on any batch below; no timing is asserted


@asynccontextmanager
async def emulated_bot(rate_limit: float) -> AsyncIterator[tuple[BotAPIEmulator, Bot]]:
    async with BotAPIEmulator(
        token=TOKEN, bot_username="x_bot", global_rate_limit=rate_limit
    ) as emu:
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
        try:
            yield emu, bot
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
    sender: RateLimitedSender, bot: Bot, users: list[EmulatedUser]
) -> list[SendResult[Message]]:
    batch = asyncio.gather(*(sender.send(u.chat_id, greeting(bot, u.chat_id)) for u in users))
    return list(await asyncio.wait_for(batch, BATCH_TIMEOUT))


def sent_per_chat(emu: BotAPIEmulator) -> Counter[int]:
    return Counter(r.params["chat_id"] for r in emu.calls("sendMessage") if r.status == 200)


def assert_each_got_one(emu: BotAPIEmulator, users: list[EmulatedUser]) -> None:
    assert sent_per_chat(emu) == Counter({u.chat_id: 1 for u in users})
    for user in users:
        assert [m.text for m in user.drain()] == [f"Hello {user.chat_id}"]


async def test_pacing_below_the_limit_never_hits_429() -> None:
    async with emulated_bot(rate_limit=30) as (emu, bot):
        users = started_users(emu, 120)
        sender = RateLimitedSender(rate_per_second=29)

        results = await send_to_all(sender, bot, users)

        assert emu.served_429 == 0
        assert all(r.outcome is SendOutcome.SENT and r.attempts == 1 for r in results)
        assert [r.value.chat.id for r in results if r.value] == [u.chat_id for u in users]
        assert_each_got_one(emu, users)
        assert sender.stats.sent == 120
        assert sender.stats.rate_limited == 0


async def test_429s_pause_the_sender_and_every_message_still_arrives_once() -> None:
    async with emulated_bot(rate_limit=5) as (emu, bot):
        users = started_users(emu, 14)
        sender = RateLimitedSender(rate_per_second=20)

        results = await send_to_all(sender, bot, users)

        assert emu.served_429 > 0
        assert sender.stats.rate_limited == emu.served_429
        assert all(r.outcome is SendOutcome.SENT for r in results)
        assert sum(r.attempts for r in results) == len(users) + emu.served_429
        assert_each_got_one(emu, users)
        assert sender.stats.sent == len(users)
        assert sender.stats.gave_up == 0


async def test_refusals_are_reported_without_retry() -> None:
    async with emulated_bot(rate_limit=30) as (emu, bot):
        reachable, blocker = started_users(emu, 2)
        blocker.block_bot()
        stranger = emu.create_user(first_name="Never", username="never")  # no /start
        missing_chat = 999_999_999
        sender = RateLimitedSender(rate_per_second=29)

        results = await asyncio.wait_for(
            asyncio.gather(
                sender.send(blocker.chat_id, greeting(bot, blocker.chat_id)),
                sender.send(stranger.chat_id, greeting(bot, stranger.chat_id)),
                sender.send(missing_chat, greeting(bot, missing_chat)),
                sender.send(reachable.chat_id, greeting(bot, reachable.chat_id)),
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
