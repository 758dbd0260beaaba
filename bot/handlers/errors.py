"""The last net: log a failed update by its ids and tell the person, never crash polling."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import ErrorEvent

from bot.texts import language_for, t

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    update = event.update
    user = update.event.from_user if hasattr(update.event, "from_user") else None
    # Only ids and the exception's type: its message may quote what a person wrote.
    log.error(
        "update %s from user %s failed: %s",
        update.update_id,
        user.id if user else None,
        type(event.exception).__name__,
        exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
    )
    if user is not None:
        try:
            await bot.send_message(user.id, t(language_for(user.language_code), "error"))
        except Exception:  # the chat may be the very thing that failed
            log.warning(
                "could not tell user %s about the failure of update %s", user.id, update.update_id
            )
    return True


def build_router() -> Router:
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
