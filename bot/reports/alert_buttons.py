""" "I'll handle it" and "Resolved" under a detractor alert."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery

from bot.reports.alerts import AlertAction, AlertCallback, AlertNotifier
from bot.texts import t
from storage.database import Database


async def alert_button(
    query: CallbackQuery,
    callback_data: AlertCallback,
    bot: Bot,
    db: Database,
    alerts: AlertNotifier,
    language: str,
) -> None:
    """ "I'll handle it" and "Resolved" under a detractor alert."""
    if await alerts.get(callback_data.alert_id) is None:
        with suppress(TelegramBadRequest):
            await query.answer(t(language, "alert_gone"))
        return
    if callback_data.action is AlertAction.CLAIM:
        changed = await alerts.claim(callback_data.alert_id, query.from_user.id)
        reply = "alert_claim_ok" if changed else "alert_already_resolved"
    else:
        changed = await alerts.resolve(callback_data.alert_id, query.from_user.id)
        reply = "alert_resolve_ok" if changed else "alert_already_resolved"
    with suppress(TelegramBadRequest):
        await query.answer(t(language, reply))
    # Refresh even when nothing changed: a stale copy then shows the real state.
    await alerts.refresh(bot, callback_data.alert_id)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="alert buttons")
    router.callback_query.register(alert_button, AlertCallback.filter())
    return router
