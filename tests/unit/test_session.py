"""BotSession: JSON bodies with the values aiogram's form would carry; replies parsed
without echoed keyboards; reply models kept; no SSL pause on closing over plain HTTP."""

from __future__ import annotations

import datetime
import gc
import json
import weakref
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session import aiohttp as aiogram_aiohttp
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    BanChatMember,
    EditMessageText,
    GetUpdates,
    Response,
    SendDocument,
    SendMediaGroup,
    SendMessage,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
)
from aiohttp import FormData
from aiohttp.payload import BytesPayload

from bot.process.aiogram_session import BotSession, KeptResponseModelsSession, json_body

MESSAGE = {"message_id": 5, "date": 1_700_000_000, "chat": {"id": 42, "type": "private"}}


async def test_the_response_model_outlives_a_garbage_collection() -> None:
    session = BotSession()
    bot = Bot("123:abc", session=session)
    method = EditMessageText(chat_id=42, message_id=5, text="Thanks")
    body = json.dumps({"ok": True, "result": {**MESSAGE, "text": "Thanks"}})
    try:
        response = session.check_response(bot, method, 200, body)
        assert isinstance(response.result, Message) and response.result.text == "Thanks"
        used = weakref.ref(Response[method.__returning__])  # type: ignore[name-defined]
        unused = weakref.ref(Response[Chat])  # never parsed with: only pydantic's weak cache
        gc.collect()
        assert used() is not None, "the model would be built again for the next reply"
        assert unused() is None, "pydantic holds generics weakly: this test would prove nothing"
    finally:
        await session.close()


BOT_DEFAULTS = DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True)
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="<b>9</b> ✓", callback_data="a:7:9")]]
)


@pytest.mark.parametrize(
    "method",
    [
        SendMessage(chat_id=42, text="Как вам у нас?", reply_markup=KEYBOARD),
        SendMessage(chat_id=42, text="x", parse_mode=None, link_preview_options=None),
        EditMessageText(chat_id=42, message_id=5, text="Спасибо", reply_markup=None),
        AnswerCallbackQuery(callback_query_id="q1", text="", show_alert=False),
        BanChatMember(chat_id=42, user_id=7, until_date=datetime.timedelta(days=1)),
        SendMediaGroup(chat_id=42, media=[InputMediaPhoto(media="file-id", caption="c")]),
        SetMyCommands(commands=[BotCommand(command="stats", description="Статистика")]),
    ],
    ids=lambda method: type(method).__name__,
)
def test_a_json_body_carries_what_aiogram_s_form_does(method: TelegramMethod[Any]) -> None:
    bot = Bot("123:abc", default=BOT_DEFAULTS)
    form = KeptResponseModelsSession().build_form_data(bot, method)
    form_fields = {options["name"]: value for options, _headers, value in form._fields}
    body = json_body(bot, method)
    assert body is not None
    sent = json.loads(body)
    assert sent.keys() == form_fields.keys()
    for key, value in form_fields.items():
        as_sent = value if isinstance(sent[key], str) else json.loads(value)
        if key == "until_date":  # a timestamp of now + 1 day, which may tick over
            assert abs(sent[key] - as_sent) <= 1
        else:
            assert sent[key] == as_sent, key


def test_bot_defaults_are_filled_in_and_none_left_out() -> None:
    bot = Bot("123:abc", default=BOT_DEFAULTS)
    body = json_body(bot, SendMessage(chat_id=42, text="hi"))
    assert body is not None
    assert json.loads(body) == {
        "chat_id": 42,
        "text": "hi",
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        "disable_web_page_preview": True,
    }
    no_defaults = json_body(Bot("123:abc"), SendMessage(chat_id=42, text="hi"))
    assert no_defaults is not None and json.loads(no_defaults) == {"chat_id": 42, "text": "hi"}


async def test_a_file_upload_goes_as_aiogram_s_multipart_form() -> None:
    session = BotSession()
    bot = Bot("123:abc", session=session)
    upload = SendDocument(chat_id=42, document=BufferedInputFile(b"backup", "feedback.db"))
    try:
        assert json_body(bot, upload) is None
        form = session.build_form_data(bot, upload)
        assert isinstance(form, FormData) and form.is_multipart
        text = session.build_form_data(bot, SendMessage(chat_id=42, text="hi"))
        assert isinstance(text, BytesPayload) and text.content_type == "application/json"
    finally:
        await session.close()


@pytest.mark.parametrize(
    ("base", "pauses"), [("http://127.0.0.1:8081", []), ("https://api.telegram.org", [0.25])]
)
async def test_closing_pauses_for_ssl_only(
    base: str, pauses: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiogram waits 250 ms after closing for SSL transports; over plain HTTP there are none."""
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    monkeypatch.setattr(aiogram_aiohttp.asyncio, "sleep", sleep)
    session = BotSession(api=TelegramAPIServer.from_base(base))
    client = await session.create_session()
    await session.close()
    assert client.closed and slept == pauses


ECHOED = {"inline_keyboard": [[{"text": "9", "callback_data": "a:7:nps:9"}]]}


async def test_a_sent_message_comes_back_without_its_keyboard() -> None:
    session = BotSession()
    bot = Bot("123:abc", session=session)
    method = SendMessage(chat_id=42, text="Как вам у нас?", reply_markup=KEYBOARD)
    reply = {"ok": True, "result": {**MESSAGE, "text": "Как вам у нас?", "reply_markup": ECHOED}}
    try:
        message = session.check_response(bot, method, 200, json.dumps(reply)).result
        assert isinstance(message, Message)
        assert (message.message_id, message.text) == (5, "Как вам у нас?")
        assert message.reply_markup is None
        kept = KeptResponseModelsSession().check_response(bot, method, 200, json.dumps(reply))
        assert kept.result.reply_markup is not None, "aiogram's own parse keeps it"
    finally:
        await session.close()


async def test_a_pressed_button_s_update_comes_without_the_keyboard_and_keeps_the_rest() -> None:
    session = BotSession()
    bot = Bot("123:abc", session=session)
    pressed = {
        "update_id": 9,
        "callback_query": {
            "id": "q1",
            "from": {"id": 42, "is_bot": False, "first_name": "Ann"},
            "chat_instance": "c",
            "data": "a:7:nps:9",
            "message": {**MESSAGE, "text": "Как вам у нас?", "reply_markup": ECHOED},
        },
    }
    typed = {"update_id": 10, "message": {**MESSAGE, "text": "Всё отлично"}}
    reply = json.dumps({"ok": True, "result": [pressed, typed]})
    try:
        updates = session.check_response(bot, GetUpdates(), 200, reply).result
        assert [type(update) for update in updates] == [Update, Update]
        query = updates[0].callback_query
        assert query is not None and isinstance(query.message, Message)
        assert (query.data, query.message.message_id, query.message.text) == (
            "a:7:nps:9",
            5,
            "Как вам у нас?",
        )
        assert query.message.reply_markup is None
        assert updates[1].message is not None and updates[1].message.text == "Всё отлично"
    finally:
        await session.close()


async def test_an_error_reply_still_raises_aiogram_s_error() -> None:
    session = BotSession()
    bot = Bot("123:abc", session=session)
    refused = {"ok": False, "error_code": 400, "description": "Bad Request: message not found"}
    try:
        with pytest.raises(TelegramBadRequest, match="message not found"):
            session.check_response(bot, GetUpdates(), 400, json.dumps(refused))
    finally:
        await session.close()
