"""aiogram's aiohttp session, keeping alive the response models it parses replies with.

aiogram parses every reply with ``Response[method.__returning__]``, a pydantic generic that
pydantic caches only weakly: once the garbage collector has run, the next reply builds the
model again, 50-140 ms of schema generation for ``Response[Message | bool]`` on this
machine, in the middle of answering a customer. Holding each one here builds it once.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class BotSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._response_models: dict[object, type[Response[Any]]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._response_models:
            self._response_models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
