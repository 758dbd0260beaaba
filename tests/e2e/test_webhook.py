"""Webhook mode: Telegram (the emulator) POSTs updates to the bot's own HTTP server."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import aiohttp
import pytest
from aiogram.fsm.storage.memory import DisabledEventIsolation

from bot.process.webhook import SECRET_HEADER
from bot.survey.callbacks import AnswerCallback
from bot.texts import t
from sandbox.faults import Fault
from storage.models import Question
from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, finish_survey, purchase, rows, started_customer
from tests.helpers import free_port

SECRET = "s3cret_Token-1"


@pytest.fixture
async def webhook(harness: Harness) -> Harness:
    port = free_port()
    harness.overrides.update(
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        webhook_secret=SECRET,
        api_host="127.0.0.1",
        api_port=port,
    )
    await harness.start()
    return harness


def start_update(update_id: int, user_id: int, first_name: str) -> dict[str, Any]:
    """A well-formed update: /start from a user the bot has never seen."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
            "text": "/start",
        },
    }


def hook_url(harness: Harness) -> str:
    return str(harness.settings().webhook_url)


async def post(harness: Harness, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    return await post_raw(harness, json.dumps(body).encode(), headers)


async def post_raw(harness: Harness, data: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(hook_url(harness), data=io.BytesIO(data), headers=headers) as reply,
    ):
        return reply.status, await reply.json()


async def test_a_whole_survey_arrives_through_the_webhook(webhook: Harness) -> None:
    customer = await started_customer(webhook)
    await purchase(webhook, customer, "990 W-1")
    assert "Thank you" in ((await finish_survey(customer)).text or "")
    assert await rows(webhook, "SELECT status FROM surveys") == [("completed",)]
    assert webhook.emulator.calls("getUpdates") == []  # no polling at all
    [registered] = webhook.emulator.calls("setWebhook")
    assert registered.params["secret_token"] == SECRET
    assert webhook.emulator.webhook.failed == 0
    await webhook.emulator.wait_idle()  # the last press's reply is run once it is answered
    answers = [r for r in webhook.emulator.requests if r.method == "answerCallbackQuery"]
    presses = [line for line in webhook.emulator.transcript() if " pressed " in line]
    assert answers and all(r.in_webhook_reply and r.status == 200 for r in answers)
    assert len({r.params["callback_query_id"] for r in answers}) == len(presses)


async def test_a_stale_button_is_answered_in_the_webhook_reply(webhook: Harness) -> None:
    customer = await started_customer(webhook)
    stale = AnswerCallback(survey_id=4242, question=Question.NPS, value="9").pack()
    sender = {"id": customer.id, "is_bot": False, "first_name": customer.first_name}
    update = {
        "update_id": 990010,
        "callback_query": {
            "id": "press-1",
            "from": sender,
            "chat_instance": "1",
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": customer.chat_id, "type": "private"},
                "text": "How likely…",
            },
            "data": stale,
        },
    }
    status, body = await post(webhook, update, {SECRET_HEADER: SECRET})
    assert status == 200
    assert body["method"] == "answerCallbackQuery" and body["callback_query_id"] == "press-1"
    assert body["text"] == t("en", "cb_gone")
    assert await rows(webhook, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_a_request_without_the_secret_gets_401_and_changes_nothing(
    webhook: Harness,
) -> None:
    forged = start_update(990001, 777, "Mallory")
    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
        status, body = await post(webhook, forged, headers)
        assert status == 401 and body["error"]["code"] == "unauthorized"
    assert await rows(webhook, "SELECT COUNT(*) FROM customers") == [(0,)]
    status, body = await post(webhook, {"not": "an update"}, {SECRET_HEADER: SECRET})
    assert status == 400 and body["error"]["code"] == "invalid_update"


async def test_a_body_that_is_no_update_gets_400_and_changes_nothing(webhook: Harness) -> None:
    update = start_update(990002, 778, "Eve")
    bodies = [
        b"",
        b"not json",
        b"\xff\xfe",  # not UTF-8
        b"[]",
        b"null",
        json.dumps({**update, "update_id": "nine"}).encode(),
        json.dumps(update).encode()[:-5],  # cut off
        json.dumps({**update, "padding": "x" * (1024 * 1024)}).encode(),  # over 1 MiB
        b"[" * 100_000 + b"]" * 100_000,  # nested past the JSON decoder's recursion limit
        json.dumps({"update_id": 5, "callback_query": "pressed"}).encode(),
        json.dumps({"update_id": 6, "callback_query": {"id": "1", "message": []}}).encode(),
    ]
    for data in bodies:
        status, body = await post_raw(webhook, data, {SECRET_HEADER: SECRET})
        assert status == 400 and body["error"]["code"] == "invalid_update", data[:40]
    assert await rows(webhook, "SELECT COUNT(*) FROM customers") == [(0,)]
    assert await rows(webhook, "SELECT COUNT(*) FROM processed_updates") == [(0,)]


async def test_a_repeated_delivery_has_one_effect(webhook: Harness) -> None:
    customer = await started_customer(webhook)
    update_id = webhook.admin.send_text(f"/purchase {customer.id} 100")
    await webhook.admin.next_message()
    webhook.emulator.redeliver(update_id)  # Telegram retries: the answer seemed lost
    await webhook.emulator.wait_idle()
    assert await rows(webhook, "SELECT COUNT(*) FROM purchases") == [(1,)]
    assert webhook.admin.pending_messages() == []


@pytest.mark.parametrize("chat_lock", [True, False], ids=["chat-lock", "no-chat-lock"])
async def test_a_repeat_sent_while_the_first_is_handled_waits_for_it(
    webhook: Harness, chat_lock: bool
) -> None:
    """Telegram gives up waiting for a slow answer and sends the press again: the repeat
    is answered only once the first delivery's handling has ended, and there is one effect.

    aiogram's per-chat lock (SimpleEventIsolation) already holds such a repeat back; without
    it (aiogram's default, DisabledEventIsolation) the update-id guard must do it alone."""
    assert webhook.app is not None
    if not chat_lock:
        webhook.app.dispatcher.fsm.events_isolation = DisabledEventIsolation()
    customer = await started_customer(webhook)
    await purchase(webhook, customer)
    nps = await customer.next_message()
    emulator = webhook.emulator
    emulator.webhook.request_timeout = 0.5  # Telegram's minute, shortened
    emulator.inject("sendMessage", Fault.slow(2.5), 1)  # the next question: sent, but late
    press = customer.press(nps, "7")
    csat = await customer.next_message(timeout=10)
    await emulator.wait_idle(timeout=10)
    slow_send = emulator.calls("sendMessage")[-1]  # logged once answered, time is its arrival
    assert int(slow_send.params["chat_id"]) == customer.chat_id
    first_handling_ended = slow_send.time + 2.5
    posts = [attempt for attempt in emulator.webhook.attempts if attempt.update_id == press]
    # Telegram gave up on every POST but the last, answered once the first handling ended
    assert len(posts) >= 2 and [post.status for post in posts[:-1]] == [0] * (len(posts) - 1)
    assert posts[-1].status == 200 and posts[-1].ended >= first_handling_ended
    assert await rows(webhook, "SELECT question, score FROM answers") == [("nps", 7)]
    assert "satisfied" in (csat.text or "")
    assert customer.pending_messages() == []  # the next question went once


@pytest.mark.parametrize("chat_lock", [True, False], ids=["chat-lock", "no-chat-lock"])
async def test_a_repeat_handles_the_update_when_the_first_handling_failed(
    webhook: Harness, chat_lock: bool
) -> None:
    """The first /help's reply hangs until the bot's own timeout ends it: that handling
    fails (the customer is told so) without recording the update, and the repeat Telegram
    sent meanwhile, waiting for it, then handles /help itself."""
    assert webhook.app is not None
    if not chat_lock:
        webhook.app.dispatcher.fsm.events_isolation = DisabledEventIsolation()
    customer = await started_customer(webhook)
    emulator = webhook.emulator
    emulator.webhook.request_timeout = 0.5  # Telegram's minute, shortened
    webhook.app.bot.session.timeout = 2  # the bot's wait for a Bot API answer (60 s)
    emulator.inject("sendMessage", Fault.hang(30), 1)  # the first reply: nothing done
    help_update = customer.send_text("/help")
    replies = await customer.next_messages(2, timeout=10)  # in either order
    await emulator.wait_idle(timeout=10)
    assert sorted(m.text or "" for m in replies) == sorted(
        [t("en", "error"), t("en", "help_customer")]
    )
    assert customer.pending_messages() == []
    posts = [attempt for attempt in emulator.webhook.attempts if attempt.update_id == help_update]
    assert len(posts) >= 2 and [post.status for post in posts[:-1]] == [0] * (len(posts) - 1)
    assert await rows(
        webhook, "SELECT COUNT(*) FROM processed_updates WHERE update_id = ?", help_update
    ) == [(1,)]


async def test_updates_sent_while_the_bot_is_down_arrive_when_it_is_back(
    webhook: Harness,
) -> None:
    customer = await started_customer(webhook)
    await webhook.stop()
    webhook.admin.send_text(f"/purchase {customer.id} 100 DOWN-1")  # Telegram keeps it
    await webhook.emulator.wait_for(lambda: webhook.emulator.webhook.failed > 0)
    await webhook.start()
    assert "registered" in ((await webhook.admin.next_message()).text or "")
    assert await rows(webhook, "SELECT order_id FROM purchases") == [("DOWN-1",)]


async def test_the_secret_is_generated_and_kept_when_none_is_set(harness: Harness) -> None:
    port = free_port()
    harness.overrides.update(
        webhook_url=f"http://127.0.0.1:{port}/hook", api_host="127.0.0.1", api_port=port
    )
    await harness.start()
    first = harness.emulator.calls("setWebhook")[-1].params["secret_token"]
    assert len(first) >= 32
    assert await rows(harness, "SELECT value FROM meta WHERE key = 'webhook_secret'") == [(first,)]
    await harness.restart()
    assert harness.emulator.calls("setWebhook")[-1].params["secret_token"] == first
    reply = await admin_says(harness, "/help")
    assert "/purchase" in (reply.text or "")


async def test_a_delivered_update_is_logged_at_debug_and_a_refused_one_at_info(
    webhook: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="intake.api")
    customer = await started_customer(webhook)
    status, _ = await post(webhook, {"not": "an update"}, {SECRET_HEADER: SECRET})
    assert status == 400
    await webhook.emulator.wait_idle()  # /start's delivery has been answered
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "intake.api"]
    delivered = [level for level, text in lines if text.startswith("POST /telegram/hook 200")]
    assert delivered and set(delivered) == {logging.DEBUG}, "one line per customer tap at INFO"
    assert (logging.INFO, "POST /telegram/hook 400 -") in lines
    assert customer.first_name not in caplog.text
