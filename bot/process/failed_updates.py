"""The last net: log a failed update by its ids and tell the person, never crash polling."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.languages import language_of
from bot.texts import language_for, t
from core.logs import log_failure
from storage.database import Database

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot, db: Database) -> bool:
    update, error = event.update, event.exception
    user = getattr(update.event, "from_user", None)
    # The exception's message may quote what a person wrote: at ERROR only ids and the type.
    log_failure(log, error, "update %s from user %s", update.update_id, user.id if user else None)
    if user is None:
        return True
    try:
        language = await language_of(db, user)
    except Exception:  # the database may be what failed: Telegram's language will do
        language = language_for(user.language_code)
    text = t(language, "error")
    if update.callback_query is not None:
        with suppress(TelegramAPIError):
            await bot.answer_callback_query(update.callback_query.id, text=text)
    try:
        await bot.send_message(user.id, text)
    except TelegramAPIError:  # the chat may be the very thing that failed
        log.warning("could not tell user %s that update %s failed", user.id, update.update_id)
    return True


def build_router() -> Router:
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
