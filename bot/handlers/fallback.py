"""Last in line: staff commands from non-staff, unknown commands."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import Message

from bot.handlers.staff import STAFF_COMMANDS
from bot.texts import language_for, t


async def staff_only(message: Message) -> None:
    """Reached only when the staff router's filter refused the sender."""
    language = language_for(message.from_user.language_code if message.from_user else None)
    await message.answer(t(language, "staff_only"))


async def unknown_command(message: Message) -> None:
    language = language_for(message.from_user.language_code if message.from_user else None)
    await message.answer(t(language, "unknown_command"))


def build_router() -> Router:
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="fallback")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(staff_only, Command(*STAFF_COMMANDS))
    router.message.register(unknown_command, F.text.startswith("/"))
    return router
