"""/leads [open|all]: the leads as cards, newest first, and their Contacted / Won / Not
interested buttons."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.reports.lead_cards import LeadCallback, LeadsPage, keyboard, more_keyboard, render
from bot.roles import staff_name
from bot.texts import t
from core.clock import Clock
from storage import leads
from storage.database import Database
from storage.leads import PAGE, LeadView
from storage.live_settings import LiveSettings

log = logging.getLogger(__name__)

SCOPES = {"": False, "open": False, "all": True}
"""The argument of /leads: whether every lead is listed, or the open ones."""


async def leads_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    live_settings: LiveSettings,
    language: str,
) -> None:
    everything = SCOPES.get((command.args or "").strip().lower())
    if everything is None:
        await message.answer(t(language, "leads_usage"))
        return
    await _send_page(bot, message.chat.id, db, live_settings, language, everything, None)


async def more_button(
    query: CallbackQuery,
    callback_data: LeadsPage,
    bot: Bot,
    db: Database,
    live_settings: LiveSettings,
    language: str,
) -> None:
    """ "Older leads": the next cards, and the button moves below them."""
    with suppress(TelegramBadRequest):
        await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramAPIError):  # the button goes: the next page has its own
            await query.message.edit_reply_markup(reply_markup=None)
    await _send_page(
        bot,
        query.from_user.id,
        db,
        live_settings,
        language,
        callback_data.everything,
        callback_data.before,
    )


async def _send_page(
    bot: Bot,
    chat_id: int,
    db: Database,
    live_settings: LiveSettings,
    language: str,
    everything: bool,
    before: int | None,
) -> None:
    """Up to `leads.PAGE` cards older than lead `before`, then how many there are."""
    found = await leads.page(db.reader, open_only=not everything, before=before, limit=PAGE + 1)
    cards, older = found[:PAGE], len(found) > PAGE  # one row more says whether there are older
    total = await leads.count(db.reader, open_only=not everything)
    if not cards:
        key = "leads_none_all" if everything else "leads_none_open"
        await bot.send_message(chat_id, t(language, key if before is None else "leads_no_more"))
        return
    tz = live_settings.current.tz
    for view in cards:
        text = render(view, language, tz, await _who(db, view))
        await bot.send_message(chat_id, text, reply_markup=keyboard(view, language))
    footer = t(
        language,
        "leads_footer_all" if everything else "leads_footer_open",
        total=total,
        other="/leads open" if everything else "/leads all",
    )
    more = LeadsPage(everything=everything, before=cards[-1].id) if older else None
    await bot.send_message(
        chat_id, footer, reply_markup=more_keyboard(more, language) if more else None
    )


async def lead_button(
    query: CallbackQuery,
    callback_data: LeadCallback,
    db: Database,
    clock: Clock,
    live_settings: LiveSettings,
    language: str,
) -> None:
    """Contacted, Won, Not interested: the status changes and the card shows it."""
    async with db.transaction() as conn:
        if await leads.get(conn, callback_data.lead_id) is None:
            changed = None
        else:
            changed = await leads.set_status(
                conn, callback_data.lead_id, callback_data.status, query.from_user.id, clock()
            )
    if changed is None:
        with suppress(TelegramBadRequest):
            await query.answer(t(language, "lead_gone"))
        return
    if changed:
        log.info(
            "lead %s set %s by staff %s",
            callback_data.lead_id,
            callback_data.status,
            query.from_user.id,
        )
    view = await leads.get(db.reader, callback_data.lead_id)
    assert view is not None
    with suppress(TelegramBadRequest):
        await query.answer(t(language, f"lead_set_{view.status}", id=view.id))
    if isinstance(query.message, Message):  # refreshed even unchanged: a stale card catches up
        with suppress(TelegramAPIError):  # unchanged, deleted, too old...
            await query.message.edit_text(
                render(view, language, live_settings.current.tz, await _who(db, view)),
                reply_markup=keyboard(view, language),
            )


async def _who(db: Database, view: LeadView) -> str | None:
    return await staff_name(db, view.status_by) if view.status_by is not None else None


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="leads")
    router.message.register(leads_command, Command("leads"))
    router.callback_query.register(lead_button, LeadCallback.filter())
    router.callback_query.register(more_button, LeadsPage.filter())
    return router
