"""Which language to speak to a person: the one they chose, else their Telegram's.

A person the bot knows has a row in `customers` (staff too, once they pressed Start) whose
language was taken from Telegram at /start and changes with /language; someone the bot does
not know yet is answered in their Telegram's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.texts import DEFAULT_LANGUAGE, language_for
from storage import customers
from storage.database import Database


async def language_of(db: Database, user: User | None) -> str:
    if user is None:
        return DEFAULT_LANGUAGE
    return await language_of_id(db, user.id, user.language_code)


async def language_of_id(db: Database, user_id: int, language_code: str | None) -> str:
    """`language_of` for someone known by their id and Telegram's language code (the
    dashboard's `initData`)."""
    person = await customers.get_by_telegram_id(db.reader, user_id)
    return person.language if person is not None else language_for(language_code)


async def staff_language(db: Database, user_id: int) -> str:
    """For messages the bot starts (alerts, digests, menus): English if the person is unknown."""
    person = await customers.get_by_telegram_id(db.reader, user_id)
    return person.language if person is not None else DEFAULT_LANGUAGE


class LanguageOfSender(BaseMiddleware):
    """Handlers get `language`: the language to answer the person behind the update in.

    Registered once, on the router of everything people write and press except the survey's
    answer buttons (bot/routing.py), whose stored answer already says the customer's
    language: the busiest update skips the read.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["language"] = await language_of(data["db"], getattr(event, "from_user", None))
        return await handler(event, data)
