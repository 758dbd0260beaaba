"""/questions and /preview: the survey's wording, seen by staff and changed by owners."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.formats import format_count, zone_name
from bot.menus import RESET_WORD
from bot.reports.report_text import pack
from bot.roles import Roles, staff_name
from bot.survey.callbacks import PreviewCallback
from bot.survey.conversation import SurveyConversation
from bot.survey.keyboards import preview_keyboard
from bot.survey.wording import KEYS, MAX_LENGTH, THANKS, Wording
from bot.texts import LANGUAGES, local_time, t, t_html
from core.clock import Clock
from storage import customers, rewards
from storage.database import Database
from storage.live_settings import LiveSettings
from storage.models import Question
from storage.rewards import RewardMode

log = logging.getLogger(__name__)

PREVIEW_ORDER = tuple(Question)
"""Every question in turn, so the preview shows all of them (a real survey skips `fix`
after a "Yes")."""


async def questions_command(
    message: Message,
    command: CommandObject,
    db: Database,
    roles: Roles,
    clock: Clock,
    wording: Wording,
    live_settings: LiveSettings,
    language: str,
) -> None:
    """`/questions [ru|en]`, `/questions <key> ru|en <wording>`, `... default`."""
    assert message.from_user is not None
    user_id = message.from_user.id
    args = (command.args or "").split(maxsplit=2)
    if not args or (len(args) == 1 and args[0].lower() in LANGUAGES):
        shown_language = args[0].lower() if args else language
        for text in await _listing(db, wording, live_settings, language, shown_language):
            await message.answer(text)
        return
    if not roles.is_owner(user_id):
        await message.answer(t(language, "questions_owners_only"))
        return
    key = args[0].lower()
    if key not in KEYS or len(args) < 3 or args[1].lower() not in LANGUAGES:
        await message.answer(t(language, "questions_usage", keys=", ".join(KEYS)))
        return
    target, text = args[1].lower(), args[2].strip()
    label = t(language, f"language_label_{target}")
    if text.lower() == RESET_WORD:
        reset = await wording.reset(db, key, target)
        reply_key = "questions_reset" if reset else "questions_not_custom"
        await message.answer(t(language, reply_key, key=key, language=label))
        return
    if len(text) > MAX_LENGTH:
        await message.answer(
            t(
                language,
                "questions_too_long",
                count=len(text),
                limit=format_count(MAX_LENGTH, language),
            )
        )
        return
    await wording.change(db, key, target, text, user_id, clock())
    log.info("wording of %s (%s) changed by staff %s", key, target, user_id)
    await message.answer(t(language, "questions_changed", key=key, language=label, code=target))


async def _listing(
    db: Database, wording: Wording, live: LiveSettings, language: str, shown: str
) -> list[str]:
    label = t(language, f"language_label_{shown}")
    zone = zone_name(live.current.tz, language)
    sections = [t(language, "questions_title", language=label, zone=zone)]
    for key in KEYS:
        custom = wording.custom(key, shown)
        if custom is None:
            origin = t(language, "questions_origin_default")
        else:
            when = local_time(custom.changed_at, live.current.tz, language)
            who = await staff_name(db, custom.changed_by)
            origin = t(language, "questions_origin_custom", who=who, when=when)
        text = wording.text(key, shown)  # safe HTML: the catalogue's, or escaped
        sections.append(t_html(language, "questions_line", key=key, origin=origin, text=text))
    sections.append(t(language, "questions_hint"))
    return pack(sections)


async def preview_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    language: str,
) -> None:
    """`/preview [ru|en]`: the survey's first question, as a customer would get it."""
    assert message.from_user is not None
    choice = (command.args or language).strip().lower()
    if choice not in LANGUAGES:
        await message.answer(t(language, "preview_usage"))
        return
    label = t(language, f"language_label_{choice}")
    await message.answer(t(language, "preview_intro", language=label))
    await _show(message, bot, db, conversation, message.from_user.id, choice, PREVIEW_ORDER[0])


async def preview_pressed(
    query: CallbackQuery,
    callback_data: PreviewCallback,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    wording: Wording,
    language: str,
) -> None:
    """Any preview button: the next question (or the thank-you), nothing recorded."""
    with suppress(TelegramBadRequest):
        await query.answer(t(language, "cb_preview"))
    if not isinstance(query.message, Message):
        return
    with suppress(TelegramBadRequest):  # the pressed question keeps its text, loses its buttons
        await query.message.edit_reply_markup(reply_markup=None)
    position = PREVIEW_ORDER.index(callback_data.question) + 1
    shown = callback_data.language  # the survey's language, not necessarily the staff's
    if position < len(PREVIEW_ORDER):
        question = PREVIEW_ORDER[position]
        await _show(query.message, bot, db, conversation, query.from_user.id, shown, question)
        return
    await query.message.answer(await _preview_thanks(db, wording, shown))
    await query.message.answer(t(language, "preview_done"))


async def _show(
    message: Message,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    user_id: int,
    language: str,
    question: Question,
) -> None:
    person = await customers.get_by_telegram_id(db.reader, user_id)
    code = person.referral_code if person is not None else None  # their own link, if any
    text = await conversation.question_text(bot, question, language, code)
    await message.answer(text, reply_markup=preview_keyboard(question, language))


async def _preview_thanks(db: Database, wording: Wording, language: str) -> str:
    """The thank-you with the reward as customers get it; a pool code is not given away."""
    text = wording.text(THANKS, language)
    reward = await rewards.current(db.reader)
    if reward.mode is RewardMode.CODE:
        sample = reward.code
    elif reward.mode is RewardMode.POOL:
        sample = t(language, "reward_preview_pool")
    else:
        return text
    return text + "\n\n" + t(language, "reward_line", code=sample)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="wording")
    router.message.register(questions_command, Command("questions"))
    router.message.register(preview_command, Command("preview"))
    router.callback_query.register(preview_pressed, PreviewCallback.filter())
    return router
