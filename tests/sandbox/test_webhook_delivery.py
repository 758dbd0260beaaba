"""The emulator's webhook delivery: up to max_connections requests at once, one chat's
updates one at a time and in order, a refused update sent again before that chat's next."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sandbox import BotAPIEmulator
from tests.helpers import serve_on_loopback

TOKEN = "42:delivery"
HOLD = 0.15  # seconds the receiver keeps each request open


@dataclass
class Receiver:
    """A webhook endpoint that holds each request a while and notes what overlapped."""

    refuse_first: set[int] = field(default_factory=set)  # update ids answered 500 once
    arrivals: list[tuple[int, int]] = field(default_factory=list)  # (update id, chat id)
    delivered: list[int] = field(default_factory=list)
    open_now: int = 0
    most_open: int = 0
    open_chats: Counter[int] = field(default_factory=Counter)
    overlapping_chats: list[int] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        update: dict[str, Any] = await request.json()
        update_id, chat = update["update_id"], update["message"]["chat"]["id"]
        self.arrivals.append((update_id, chat))
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        if self.open_chats[chat]:
            self.overlapping_chats.append(chat)
        self.open_chats[chat] += 1
        try:
            await asyncio.sleep(HOLD)
            if update_id in self.refuse_first:
                self.refuse_first.discard(update_id)
                return web.Response(status=500)
            self.delivered.append(update_id)
            return web.json_response({})
        finally:
            self.open_now -= 1
            self.open_chats[chat] -= 1


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=TOKEN, bot_username="delivery_bot") as emu:
        yield emu


async def _serve(
    handle: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> tuple[web.AppRunner, str]:
    """A bot's webhook on a free loopback port: its runner and its URL."""
    runner, port = await serve_on_loopback("/hook", handle)
    return runner, f"http://127.0.0.1:{port}/hook"


async def _set_webhook(emulator: BotAPIEmulator, **params: Any) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.base_url}/bot{TOKEN}/setWebhook", json=params) as reply,
    ):
        return dict(await reply.json())


async def test_updates_go_out_at_once_up_to_the_limit_and_in_order_per_chat(
    emulator: BotAPIEmulator,
) -> None:
    receiver = Receiver()
    users = [emulator.create_user(first_name=f"U{i}") for i in range(5)]
    for user in users:
        user.send_text("first")
        user.send_text("second")
    runner, url = await _serve(receiver.handle)
    try:
        assert (await _set_webhook(emulator, url=url, max_connections=3))["ok"] is True
        await emulator.wait_idle(timeout=10)
    finally:
        await runner.cleanup()
    assert receiver.most_open == 3
    assert receiver.overlapping_chats == []
    assert sorted(receiver.delivered) == sorted(uid for uid, _ in receiver.arrivals)
    assert len(receiver.delivered) == 10
    for user in users:
        ids = [uid for uid, chat in receiver.arrivals if chat == user.chat_id]
        assert ids == sorted(ids) and len(ids) == 2


async def test_a_refused_update_comes_again_before_the_next_of_its_chat(
    emulator: BotAPIEmulator,
) -> None:
    anna, boris = emulator.create_user(first_name="Anna"), emulator.create_user(first_name="B")
    refused = anna.send_text("one")
    anna.send_text("two")
    boris.send_text("three")
    receiver = Receiver(refuse_first={refused})
    runner, url = await _serve(receiver.handle)
    try:
        await _set_webhook(emulator, url=url)  # Telegram's default: 40 connections
        await emulator.wait_idle(timeout=10)
    finally:
        await runner.cleanup()
    anna_arrivals = [uid for uid, chat in receiver.arrivals if chat == anna.chat_id]
    assert anna_arrivals == [refused, refused, refused + 1]
    assert receiver.delivered.count(refused) == 1
    assert receiver.overlapping_chats == []


async def test_max_connections_out_of_range_is_a_bad_request(emulator: BotAPIEmulator) -> None:
    reply = await _set_webhook(emulator, url="https://example.org/hook", max_connections=101)
    assert reply["ok"] is False and reply["error_code"] == 400
    assert "max_connections" in reply["description"]


async def test_a_call_in_the_webhook_answer_is_run_and_the_update_is_delivered(
    emulator: BotAPIEmulator,
) -> None:
    anna = emulator.create_user(first_name="Anna")
    answers = iter(
        [
            {"method": "sendMessage", "chat_id": anna.chat_id, "text": "Answered in the reply"},
            {"method": "noSuchMethod", "chat_id": anna.chat_id},
            {"method": "sendMessage", "chat_id": anna.chat_id},  # no text: Telegram's 400
            "not a call",  # plain text, as a webhook that only acknowledges might answer
        ]
    )

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        answer = next(answers)
        if isinstance(answer, str):
            return web.Response(text=answer)
        return web.json_response(answer)

    runner, url = await _serve(handle)
    for text in ("one", "two", "three", "four"):
        anna.send_text(text)
    try:
        await _set_webhook(emulator, url=url)
        await emulator.wait_idle(timeout=10)
    finally:
        await runner.cleanup()
    assert [m.text for m in anna.drain()] == ["Answered in the reply"]
    calls = [(r.method, r.status, r.in_webhook_reply) for r in emulator.requests]
    assert calls == [
        ("setWebhook", 200, False),
        ("sendMessage", 200, True),
        ("noSuchMethod", 404, True),
        ("sendMessage", 400, True),
    ]
    assert emulator.webhook.delivered == 4 and emulator.webhook.failed == 0


async def test_an_update_not_answered_in_time_is_sent_again_while_the_first_is_open(
    emulator: BotAPIEmulator,
) -> None:
    """Telegram stops waiting (after about a minute; here `request_timeout`) and sends the
    update again, though the bot may still be busy with the first request."""
    anna = emulator.create_user(first_name="Anna")
    release = asyncio.Event()
    open_at_arrival: list[int] = []
    open_now = 0

    async def handle(request: web.Request) -> web.Response:
        nonlocal open_now
        await request.read()
        open_at_arrival.append(open_now)
        open_now += 1
        try:
            if len(open_at_arrival) == 1:
                await release.wait()  # the first request is held past the emulator's patience
            return web.json_response({})
        finally:
            open_now -= 1

    runner, url = await _serve(handle)
    try:
        await _set_webhook(emulator, url=url)
        emulator.webhook.request_timeout = 0.3  # shortened with the webhook already set
        update_id = anna.send_text("hello")
        await emulator.wait_idle(timeout=10)
    finally:
        release.set()
        await runner.cleanup()
    assert open_at_arrival == [0, 1]  # the repeat came while the first was still open
    first, repeat = emulator.webhook.attempts
    assert (first.update_id, first.status) == (update_id, 0)
    assert first.ended - first.started >= 0.3 and repeat.started >= first.ended
    assert (repeat.update_id, repeat.status) == (update_id, 200)
    assert emulator.webhook.delivered == 1 and emulator.webhook.failed == 1
