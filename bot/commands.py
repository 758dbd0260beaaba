"""The command menus Telegram shows: customers see theirs, each staff chat the staff menu."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.texts import LANGUAGES, t

log = logging.getLogger(__name__)

CUSTOMER_MENU = ("start", "help", "language", "stop", "forget")
STAFF_MENU = (
    *CUSTOMER_MENU,
    "purchase",
    "qr",
    "stats",
    "digest",
    "export",
    "pause",
    "resume",
    "staff",
)


def _commands(names: tuple[str, ...], language: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=t(language, f"cmd_{name}")) for name in names]


async def publish_customer_menu(bot: Bot) -> None:
    for language in LANGUAGES:
        await bot.set_my_commands(
            _commands(CUSTOMER_MENU, language),
            BotCommandScopeDefault(),
            language_code=None if language == "en" else language,
        )


async def publish_staff_menu(bot: Bot, user_id: int, language: str) -> None:
    """Telegram refuses a chat the person has not opened yet; their /start retries."""
    try:
        await bot.set_my_commands(
            _commands(STAFF_MENU, language), BotCommandScopeChat(chat_id=user_id)
        )
    except TelegramAPIError as error:
        log.warning("no staff command menu for %s yet: %s", user_id, error.message)
