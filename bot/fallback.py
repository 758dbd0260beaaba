"""Last in line: staff commands from non-staff, unknown commands and buttons."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.menus import STAFF_COMMANDS
from bot.texts import t
from storage.database import Database


async def staff_only(message: Message, db: Database, language: str) -> None:
    """Reached only when the staff router's filter refused the sender."""
    await message.answer(t(language, "staff_only"))


async def unknown_command(message: Message, db: Database, language: str) -> None:
    await message.answer(t(language, "unknown_command"))


async def unknown_button(query: CallbackQuery, db: Database, language: str) -> None:
    """A button whose data no handler understands (forged, or from an older version)."""
    with suppress(TelegramBadRequest):
        await query.answer(t(language, "cb_invalid"))


def build_router() -> Router:
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="fallback")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(staff_only, Command(*STAFF_COMMANDS))
    router.message.register(unknown_command, F.text.startswith("/"))
    router.callback_query.register(unknown_button)
    return router
