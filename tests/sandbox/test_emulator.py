"""The Bot API emulator, exercised with a real aiogram Bot and the customer driver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from sandbox import BotAPIEmulator, CallbackAnswer, EmulatedUser, EmulatorError
from sandbox.html_entities import parse_html
from sandbox.rate_limit import SlidingWindowLimiter

TOKEN = "123456:TEST-token"
WAIT = 5.0
USER = {"id": 1, "is_bot": False, "first_name": "Raw"}


def make_bot(emu: BotAPIEmulator, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=label, callback_data=label.lower()) for label in labels]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    bot = make_bot(emu)
    yield bot
    await bot.session.close()


@pytest.fixture
def anna(emu: BotAPIEmulator) -> EmulatedUser:
    user = emu.create_user(first_name="Anna", username="anna", language_code="ru")
    user.send_text("/start")
    return user


# --- protocol ----------------------------------------------------------------------------------


async def test_get_me_returns_configured_identity(emu: BotAPIEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (emu.bot_id, "feedback_test_bot", True)


async def test_raw_http_routing_and_parameter_encodings(emu: BotAPIEmulator) -> None:
    user = emu.create_user()
    user.send_text("hi")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.base_url}/bot1:wrong/getMe") as resp:
            assert resp.status == 401
            assert (await resp.json())["description"] == "Unauthorized"
        async with http.post(f"{emu.base_url}/bot{TOKEN}/noSuchMethod") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found: method not found"
        async with http.get(f"{emu.base_url}/bot{TOKEN}/GETME") as resp:
            assert (await resp.json())["result"]["username"] == "feedback_test_bot"
        url = f"{emu.base_url}/bot{TOKEN}/sendMessage"
        async with http.post(url, json={"chat_id": user.id, "text": "json"}) as resp:
            assert (await resp.json())["ok"] is True
        async with http.get(url, params={"chat_id": str(user.id), "text": "query"}) as resp:
            assert (await resp.json())["ok"] is True
        async with http.post(url, data={"chat_id": str(user.id)}) as resp:
            body = await resp.json()
            assert (resp.status, body["description"]) == (400, "Bad Request: message text is empty")
    assert [m.text for m in user.drain()] == ["json", "query"]
    assert [r.status for r in emu.calls("sendmessage")] == [200, 200, 400]


# --- sending -----------------------------------------------------------------------------------


async def test_keyboards_reach_user(bot: Bot, anna: EmulatedUser) -> None:
    sent = await bot.send_message(anna.id, "Happy?", reply_markup=keyboard("Yes", "No"))
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "no"
    msg = await anna.next_message(timeout=WAIT)
    assert (msg.message_id, msg.text) == (sent.message_id, "Happy?")
    assert msg.buttons == [["Yes", "No"]]
    assert anna.pending_messages() == []
    with pytest.raises(TimeoutError):
        await anna.next_message(timeout=0.05)

    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Share", request_contact=True)]])
    sent = await bot.send_message(anna.id, "Phone?", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram echoes inline keyboards only
    [msg] = anna.pending_messages()
    assert msg.reply_keyboard == [[{"text": "Share", "request_contact": True}]]
    assert msg.buttons == []
    assert anna.drain() == [msg]
    assert anna.drain() == []


async def test_refusals_for_strangers_blocked_and_unknown_chats(
    emu: BotAPIEmulator, bot: Bot, anna: EmulatedUser
) -> None:
    stranger = emu.create_user(first_name="Boris", username="boris")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(stranger.id, "hello")
    anna.block_bot()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(anna.id, "hello")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "hello")
    anna.unblock_bot()
    await bot.send_message(anna.id, "welcome back")
    assert [m.text for m in anna.drain()] == ["welcome back"]


async def test_text_validation_and_html(bot: Bot, anna: EmulatedUser) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(anna.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(anna.id, "   ")
    too_long = InlineKeyboardButton(text="x", callback_data="d" * 65)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            anna.id, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[too_long]])
        )
    assert anna.pending_messages() == []
    await bot.send_message(anna.id, "<b>x</b> &lt;", parse_mode="HTML")
    msg = await anna.next_message(timeout=WAIT)
    assert msg.text == "x <"
    assert msg.entities == [{"type": "bold", "offset": 0, "length": 1}]
    for bad in ("<div>x</div>", "<b>x", "<b><i>x</b></i>"):
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(anna.id, bad, parse_mode="HTML")


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_html('😀 <a href="https://x.y">link</a> <i>é</i>')
    assert text == "😀 link é"
    assert entities == [
        {"type": "text_link", "url": "https://x.y", "offset": 3, "length": 4},
        {"type": "italic", "offset": 8, "length": 1},
    ]


async def test_documents_and_photos_carry_bytes(bot: Bot, anna: EmulatedUser) -> None:
    doc = BufferedInputFile(b"a,b\n1,2\n", filename="report.csv")
    await bot.send_document(anna.id, doc, caption="Weekly")
    sent_photo = await bot.send_photo(anna.id, BufferedInputFile(b"\x89PNG", filename="p.png"))
    assert sent_photo.photo is not None
    await bot.send_photo(anna.id, sent_photo.photo[-1].file_id)  # resend by file_id
    document, photo, again = await anna.next_messages(3, timeout=WAIT)
    assert (document.document, document.document_name) == (b"a,b\n1,2\n", "report.csv")
    assert (document.text, document.caption) == (None, "Weekly")
    assert photo.photo == again.photo == b"\x89PNG"
    await bot.edit_message_caption(
        chat_id=anna.id, message_id=document.message_id, caption="<i>Monthly</i>", parse_mode="HTML"
    )
    edited = await anna.wait_edited(document, timeout=WAIT)
    assert (edited.caption, edited.document) == ("Monthly", document.document)


async def test_bot_downloads_a_users_document(bot: Bot, anna: EmulatedUser) -> None:
    anna.send_document(filename="purchases.csv", content=b"id,sum\n1,100\n", mime_type="text/csv")
    updates = await bot.get_updates()
    document = updates[-1].message.document if updates[-1].message else None
    assert document is not None
    assert (document.file_name, document.mime_type) == ("purchases.csv", "text/csv")
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None
    assert downloaded.read() == b"id,sum\n1,100\n"


async def test_user_media_and_contact_updates(bot: Bot, anna: EmulatedUser) -> None:
    anna.send_contact(phone_number="+79001234567", first_name="Ivan", user_id=anna.id)
    anna.send_sticker()
    anna.send_photo()
    anna.send_voice()
    anna.send_text("/start@feedback_test_bot ref_abc")
    messages = [u.message for u in await bot.get_updates() if u.message]
    contact, sticker, photo, voice, command = messages[1:]
    assert contact.contact is not None and contact.contact.user_id == anna.id
    assert sticker.sticker is not None and photo.photo and voice.voice is not None
    assert command.entities is not None
    assert (command.entities[0].type, command.entities[0].length) == ("bot_command", 24)


# --- updates -----------------------------------------------------------------------------------


async def test_get_updates_confirmation_and_idle(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.create_user()
    first, second = user.send_text("one"), user.send_text("two")
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    # not confirmed yet: a crashed bot gets the same batch again
    assert [u.update_id for u in await bot.get_updates(offset=first)] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert emu.updates_confirmed == 1
    assert await bot.get_updates(offset=second + 1) == []
    await emu.wait_idle(timeout=WAIT)
    assert emu.updates_confirmed == 2


async def test_a_text_over_4096_characters_arrives_as_parts(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.create_user().send_text("😀" * 2048 + "tail")  # an emoji is two UTF-16 units
    texts = [update.message.text for update in await bot.get_updates() if update.message]
    assert texts == ["😀" * 2048, "tail"]


async def test_long_poll_wakes_up_when_user_writes(emu: BotAPIEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_for(lambda: emu.waiting_polls == 1, timeout=WAIT)
    update_id = emu.create_user().send_text("hello")
    updates = await asyncio.wait_for(poll, WAIT)
    assert [u.update_id for u in updates] == [update_id]


async def test_second_poller_terminates_the_first(emu: BotAPIEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_for(lambda: emu.waiting_polls == 1, timeout=WAIT)
    assert await bot.get_updates() == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, WAIT)


async def test_redeliver_sends_the_same_update_again(emu: BotAPIEmulator, bot: Bot) -> None:
    update_id = emu.create_user().send_text("pay 100")
    [original] = await bot.get_updates()
    assert await bot.get_updates(offset=update_id + 1) == []
    emu.redeliver(update_id)
    [duplicate] = await bot.get_updates(offset=update_id + 1)
    assert duplicate == original
    assert await bot.get_updates(offset=update_id + 1) == []
    await emu.wait_idle(timeout=WAIT)
    assert emu.updates_confirmed == 2


async def test_allowed_updates_filter_new_updates(emu: BotAPIEmulator, bot: Bot) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    emu.create_user().send_text("ignored")
    raw_id = emu.enqueue_update({"callback_query": {"id": "1", "from": USER, "chat_instance": "x"}})
    assert [u.update_id for u in await bot.get_updates()] == [raw_id]
    assert await bot.answer_callback_query("1")  # hand-made queries are answerable once


async def test_stop_releases_a_pending_long_poll() -> None:
    emulator = BotAPIEmulator(token=TOKEN)
    await emulator.start()
    bot = make_bot(emulator)
    try:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await emulator.wait_for(lambda: emulator.waiting_polls == 1, timeout=WAIT)
        await asyncio.wait_for(emulator.stop(), WAIT)
        assert await asyncio.wait_for(poll, WAIT) == []
        await emulator.stop()  # idempotent
    finally:
        await bot.session.close()


# --- callbacks and edits -----------------------------------------------------------------------


async def test_press_and_callback_answer(bot: Bot, anna: EmulatedUser) -> None:
    await bot.send_message(anna.id, "Happy?", reply_markup=keyboard("Yes", "No"))
    msg = await anna.next_message(timeout=WAIT)
    update_id = anna.press(msg, "Yes")
    callback = next(u.callback_query for u in await bot.get_updates() if u.callback_query)
    assert callback.data == "yes"
    assert callback.message is not None and callback.message.message_id == msg.message_id
    await bot.answer_callback_query(callback.id, text="Thanks!", show_alert=True)
    assert await anna.callback_answer(update_id, timeout=WAIT) == CallbackAnswer("Thanks!", True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(callback.id)
    with pytest.raises(EmulatorError):
        anna.press(msg, "Maybe")


async def test_edit_text_removes_keyboard(bot: Bot, anna: EmulatedUser) -> None:
    await bot.send_message(anna.id, "Rate us", reply_markup=keyboard("5"))
    msg = await anna.next_message(timeout=WAIT)
    await bot.edit_message_text(text="Rate us — 5", chat_id=anna.id, message_id=msg.message_id)
    edited = await anna.wait_edited(msg, timeout=WAIT)
    assert (edited.text, edited.buttons, edited.edit_count) == ("Rate us — 5", [], 1)
    assert anna.message(msg.message_id) == edited
    with pytest.raises(EmulatorError):
        anna.press(msg, "5")  # the button is gone now
    stale = anna.press_data(msg.message_id, "5")
    [update] = [u for u in await bot.get_updates() if u.update_id == stale]
    assert update.callback_query is not None and update.callback_query.data == "5"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="Rate us — 5", chat_id=anna.id, message_id=msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=anna.id, message_id=999)


async def test_edit_reply_markup_and_delete(bot: Bot, anna: EmulatedUser) -> None:
    await bot.send_message(anna.id, "Pick", reply_markup=keyboard("A"))
    msg = await anna.next_message(timeout=WAIT)
    await bot.edit_message_reply_markup(
        chat_id=anna.id, message_id=msg.message_id, reply_markup=keyboard("A", "B")
    )
    assert (await anna.wait_edited(msg, timeout=WAIT)).buttons == [["A", "B"]]
    await bot.delete_message(anna.id, msg.message_id)
    assert anna.message(msg.message_id).deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(anna.id, msg.message_id)


# --- flood control -----------------------------------------------------------------------------


async def test_rate_limit_answers_429(emu: BotAPIEmulator, bot: Bot, anna: EmulatedUser) -> None:
    emu.set_rate_limit(0.01)  # one message per 100 s: the second is refused whatever the timing
    await bot.send_message(anna.id, "first")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(anna.id, "second")
    assert refused.value.retry_after >= 1
    assert emu.served_429 == 1
    assert [m.text for m in anna.drain()] == ["first"]
    emu.set_rate_limit(None)
    await bot.send_message(anna.id, "third")


def test_sliding_window_limiter() -> None:
    limiter = SlidingWindowLimiter(2)
    assert limiter.acquire(0.0) is None
    assert limiter.acquire(0.5) is None
    assert limiter.acquire(0.9) == 1
    assert limiter.acquire(1.1) is None  # the event at 0.0 left the window


# --- bot settings and misc methods -------------------------------------------------------------


async def test_bot_settings_and_misc_methods(
    emu: BotAPIEmulator, bot: Bot, anna: EmulatedUser
) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    scope = BotCommandScopeChat(chat_id=42)
    await bot.set_my_commands(
        [BotCommand(command="stats", description="Stats")], scope=scope, language_code="ru"
    )
    chat_key = ('{"chat_id":42,"type":"chat"}', "ru")
    assert emu.commands == {
        ("default", ""): [{"command": "start", "description": "Start"}],
        chat_key: [{"command": "stats", "description": "Stats"}],
    }
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="ru")] == [
        "stats"
    ]
    await bot.delete_my_commands()
    assert list(emu.commands) == [chat_key]

    assert (await bot.get_webhook_info()).url == ""
    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    chat = await bot.get_chat(anna.id)
    assert (chat.type, chat.username) == ("private", "anna")
    assert await bot.send_chat_action(anna.id, "typing")


# --- transcript ---------------------------------------------------------------------------------


async def test_transcript(emu: BotAPIEmulator, bot: Bot, anna: EmulatedUser) -> None:
    sent = await bot.send_message(anna.id, "How likely?", reply_markup=keyboard("0", "1"))
    anna.press(await anna.next_message(timeout=WAIT), "1")
    await bot.edit_message_text(text="How likely? — 1", chat_id=anna.id, message_id=sent.message_id)
    await bot.send_photo(anna.id, BufferedInputFile(b"img", "p.jpg"), caption="Chart")
    await bot.send_document(anna.id, BufferedInputFile(b"x", "purchases.csv"))
    anna.send_contact(phone_number="+79001234567", first_name="Ivan")
    assert emu.transcript() == [
        "Anna → bot: /start",
        "bot → Anna: How likely?  [0] [1]",
        "Anna pressed [1]",
        "bot edited → Anna: How likely? — 1",
        "bot → Anna: [photo] Chart",
        "bot → Anna: [document purchases.csv]",
        "Anna shared contact Ivan +79001234567",
    ]


# --- end to end ------------------------------------------------------------------------------


async def test_dispatcher_polling_echo(emu: BotAPIEmulator, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        await emu.wait_for(lambda: emu.waiting_polls == 1, timeout=WAIT)
        user = emu.create_user(first_name="Vera", username="vera")
        user.send_text("hello")
        assert (await user.next_message(timeout=WAIT)).text == "echo: hello"
        await emu.wait_idle(timeout=WAIT)
    finally:
        await asyncio.wait_for(dp.stop_polling(), WAIT)
        await asyncio.wait_for(polling, WAIT)
