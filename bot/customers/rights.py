"""Customers' rights: /stop and "Don't ask me again", /language, /forget."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from bot.customers.start import register
from bot.menus import publish_staff_menu
from bot.roles import Roles
from bot.survey.callbacks import OptOutCallback
from bot.texts import LANGUAGE_PATTERN, LANGUAGES, t
from core.clock import Clock
from storage import customers, erasure, surveys
from storage.database import Database
from storage.live_settings import LiveSettings
from storage.models import Customer

log = logging.getLogger(__name__)


class LanguageCallback(CallbackData, prefix="lang"):
    language: str = Field(pattern=LANGUAGE_PATTERN)


class ForgetCallback(CallbackData, prefix="forget"):
    """The answer to "delete all my data?"."""

    confirm: bool


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language in LANGUAGES:
        builder.button(
            text=t(language, "language_name"), callback_data=LanguageCallback(language=language)
        )
    return builder.as_markup()


async def _customer(db: Database, user: User, clock: Clock) -> Customer:
    """The customer behind `user`, registered if they never pressed Start."""
    async with db.transaction() as conn:
        customer, _ = await register(conn, user, clock())
    return customer


async def opt_out(bot: Bot, db: Database, clock: Clock, customer: Customer) -> None:
    """No more surveys: the running and scheduled ones are cancelled, their buttons removed."""
    now = clock()
    async with db.transaction() as conn:
        await customers.set_opted_out(conn, customer.id, now)
        cancelled = await surveys.cancel_open(conn, customer.id, now)
    for survey in cancelled:
        if survey.prompt_message_id is not None and customer.telegram_user_id is not None:
            with suppress(TelegramBadRequest):
                await bot.edit_message_reply_markup(
                    chat_id=customer.telegram_user_id,
                    message_id=survey.prompt_message_id,
                    reply_markup=None,
                )
    log.info("customer %s opted out; %s surveys cancelled", customer.id, len(cancelled))


async def stop(message: Message, bot: Bot, db: Database, clock: Clock) -> None:
    """`/stop`: no more surveys, confirmed; /start subscribes again."""
    assert message.from_user is not None
    customer = await _customer(db, message.from_user, clock)
    await opt_out(bot, db, clock, customer)
    await message.answer(t(customer.language, "opted_out"))


async def opt_out_button(
    query: CallbackQuery,
    callback_data: OptOutCallback,
    bot: Bot,
    db: Database,
    clock: Clock,
    language: str,
) -> None:
    """ "Don't ask me again" under a survey: the same as /stop, for that customer only."""
    customer = await customers.get_by_telegram_id(db.reader, query.from_user.id)
    survey = await surveys.get(db.reader, callback_data.survey_id)
    if customer is None or survey is None or survey.customer_id != customer.id:
        with suppress(TelegramBadRequest):
            await query.answer(t(language, "cb_not_yours"))
        return
    await opt_out(bot, db, clock, customer)
    with suppress(TelegramBadRequest):
        await query.answer()
    await bot.send_message(query.from_user.id, t(customer.language, "opted_out"))


async def choose_language(message: Message, db: Database, clock: Clock) -> None:
    """`/language`: Russian or English, whatever Telegram's own setting says."""
    assert message.from_user is not None
    customer = await _customer(db, message.from_user, clock)
    await message.answer(t(customer.language, "language_choose"), reply_markup=language_keyboard())


async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageCallback,
    bot: Bot,
    db: Database,
    clock: Clock,
    roles: Roles,
    live_settings: LiveSettings,
) -> None:
    customer = await _customer(db, query.from_user, clock)
    async with db.transaction() as conn:
        await customers.choose_language(conn, customer.id, callback_data.language, clock())
    with suppress(TelegramBadRequest):
        await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(t(callback_data.language, "language_set"))
    if roles.is_admin(query.from_user.id):  # staff: their menu speaks the new language too
        await publish_staff_menu(
            bot,
            roles,
            query.from_user.id,
            callback_data.language,
            webapp_url=live_settings.base.webapp_url,
        )
    log.info("customer %s chose a language", customer.id)


async def forget_asked(message: Message, db: Database, language: str) -> None:
    """`/forget`: asks first, since it cannot be undone."""
    assert message.from_user is not None
    customer = await customers.get_by_telegram_id(db.reader, message.from_user.id)
    if customer is None:
        await message.answer(t(language, "forget_nothing"))
        return
    builder = InlineKeyboardBuilder()
    builder.button(text=t(language, "btn_forget_yes"), callback_data=ForgetCallback(confirm=True))
    builder.button(text=t(language, "btn_forget_no"), callback_data=ForgetCallback(confirm=False))
    await message.answer(t(language, "forget_confirm"), reply_markup=builder.as_markup())


async def forget_answered(
    query: CallbackQuery,
    callback_data: ForgetCallback,
    bot: Bot,
    db: Database,
    clock: Clock,
    language: str,
) -> None:
    customer = await customers.get_by_telegram_id(db.reader, query.from_user.id)
    with suppress(TelegramBadRequest):
        await query.answer()
    if not callback_data.confirm or customer is None:
        text = t(language, "forget_cancelled" if customer else "forget_nothing")
    else:
        cancelled = await erasure.forget(db, customer, clock())
        for survey in cancelled:
            if survey.prompt_message_id is not None:
                with suppress(TelegramBadRequest):
                    await bot.edit_message_reply_markup(
                        chat_id=query.from_user.id,
                        message_id=survey.prompt_message_id,
                        reply_markup=None,
                    )
        log.info("customer %s was forgotten at their request", customer.id)
        text = t(language, "forgotten")
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(text)


def build_router() -> Router:
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="rights")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(stop, Command("stop"))
    router.message.register(choose_language, Command("language"))
    router.callback_query.register(opt_out_button, OptOutCallback.filter())
    router.callback_query.register(language_chosen, LanguageCallback.filter())
    router.message.register(forget_asked, Command("forget"))
    router.callback_query.register(forget_answered, ForgetCallback.filter())
    return router
