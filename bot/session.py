"""aiogram's aiohttp session, keeping alive the response models it parses replies with.

aiogram parses every reply with ``Response[method.__returning__]``, a pydantic generic that
pydantic caches only weakly: once the garbage collector has run, the next reply builds the
model again, 50-140 ms of schema generation for ``Response[Message | bool]`` on this
machine, in the middle of answering a customer. Each one built is held here, for the life
of the process (they are the same for every session).
"""

from __future__ import annotations

from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class BotSession(AiohttpSession):
    _response_models: ClassVar[dict[object, type[Response[Any]]]] = {}

    @classmethod
    def keep_response_model(cls, method: type[TelegramMethod[Any]]) -> None:
        """Build (once) and hold the model that parses `method`'s replies."""
        returning = method.__returning__
        if returning not in cls._response_models:
            cls._response_models[returning] = Response[returning]  # type: ignore[valid-type]

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        self.keep_response_model(type(method))
        return super().check_response(bot, method, status_code, content)
