"""/pause and /resume: staff stop and restart every outgoing survey.

The pause is a row in `meta`, so it survives a restart. While paused no survey starts and
no reminder goes out; answers to surveys already running still work, and so do alerts.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.texts import t
from core.clock import Clock, to_db
from storage import meta
from storage.database import Database
from storage.intake import DispatchSoon

log = logging.getLogger(__name__)


async def pause(message: Message, db: Database, clock: Clock, language: str) -> None:
    assert message.from_user is not None
    await meta.put(db, meta.SURVEYS_PAUSED, to_db(clock()))
    log.info("surveys paused by staff %s", message.from_user.id)
    await message.answer(t(language, "paused"))


async def resume(
    message: Message, db: Database, dispatch_soon: DispatchSoon, language: str
) -> None:
    assert message.from_user is not None
    was_paused = await meta.remove(db, meta.SURVEYS_PAUSED)
    log.info("surveys resumed by staff %s", message.from_user.id)
    if was_paused:  # what the pause held back goes out now, not at the next tick
        dispatch_soon()
    await message.answer(t(language, "resumed" if was_paused else "not_paused"))


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="pausing")
    router.message.register(pause, Command("pause"))
    router.message.register(resume, Command("resume"))
    return router
