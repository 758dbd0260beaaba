"""BotSession keeps the `Response[...]` model of each method it parsed a reply for alive."""

from __future__ import annotations

import gc
import json
import weakref

from aiogram import Bot
from aiogram.methods import EditMessageText, Response
from aiogram.types import Chat, Message

from bot.session import BotSession

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
