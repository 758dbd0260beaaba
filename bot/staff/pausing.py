"""/pause and /resume: staff stop and restart every outgoing survey.

The pause is a row in `meta`, so it survives a restart. While paused no survey starts and
no reminder goes out; answers to surveys already running still work, and so do alerts.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import Message

from bot.filters import IsStaff
from bot.languages import language_of
from bot.texts import t
from core.clock import Clock, to_db
from storage import meta
from storage.database import Database
from storage.intake import DispatchSoon

log = logging.getLogger(__name__)


async def pause(message: Message, db: Database, clock: Clock) -> None:
    assert message.from_user is not None
    language = await language_of(db, message.from_user)
    await meta.put(db, meta.SURVEYS_PAUSED, to_db(clock()))
    log.info("surveys paused by staff %s", message.from_user.id)
    await message.answer(t(language, "paused"))


async def resume(message: Message, db: Database, dispatch_soon: DispatchSoon) -> None:
    assert message.from_user is not None
    language = await language_of(db, message.from_user)
    was_paused = await meta.remove(db, meta.SURVEYS_PAUSED)
    log.info("surveys resumed by staff %s", message.from_user.id)
    if was_paused:  # what the pause held back goes out now, not at the next tick
        dispatch_soon()
    await message.answer(t(language, "resumed" if was_paused else "not_paused"))


def build_router() -> Router:
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="pausing")
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsStaff())
    router.message.register(pause, Command("pause"))
    router.message.register(resume, Command("resume"))
    return router
