"""The customer answers: a pressed button, a written answer, a shared contact, anything else."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    Message,
)

from bot.formats import format_count
from bot.languages import language_of
from bot.process.once_per_update import UpdateRecord
from bot.process.webhook import WebhookReply
from bot.reports.alerts import AlertNotifier
from bot.survey import answers
from bot.survey.callbacks import AnswerCallback
from bot.survey.conversation import SurveyConversation
from bot.survey.long_texts import LongTexts
from bot.texts import language_for, t
from core.clock import Clock
from core.concurrency import together
from core.phones import normalize_phone
from storage import answering, customers, surveys
from storage.answering import Outcome
from storage.database import Database
from storage.live_settings import LiveSettings
from storage.models import Answer, Choice, Contact, Customer, Question, Survey

log = logging.getLogger(__name__)


async def button_answer(
    query: CallbackQuery,
    callback_data: AnswerCallback,
    update_record: UpdateRecord,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    clock: Clock,
    alerts: AlertNotifier,
    live_settings: LiveSettings,
    webhook_reply: WebhookReply | None = None,
) -> None:
    answer = answers.from_button(callback_data)
    if answer is None:
        text = t(await language_of(db, query.from_user), "cb_invalid")
        await _answer_query(query, text, webhook_reply)
        return
    with conversation.answering(callback_data.survey_id):
        result = await answering.record(
            db,
            update_id=update_record.update_id,
            telegram_user_id=query.from_user.id,
            survey_id=callback_data.survey_id,
            answer=answer,
            now=clock(),
            alert_rules=live_settings.current.alert_rules,
        )
        update_record.recorded = result.update_claimed
        if result.outcome is Outcome.RECORDED:
            assert result.customer is not None
            label = answers.button_label(answer, result.customer.language)
            await together(  # independent calls: the customer waits for one round trip
                _answer_query(query, None, webhook_reply),
                conversation.after_answer(bot, result, answer.question, label),
            )
    if result.outcome is Outcome.RECORDED:
        await alerts.on_answer(bot, callback_data.survey_id, answer.question, result.alert_id)
        return
    refusal = {
        Outcome.NOT_WAITING: "cb_already_answered",
        Outcome.DUPLICATE_UPDATE: "cb_already_answered",
        Outcome.NOT_YOURS: "cb_not_yours",
        Outcome.NO_SURVEY: "cb_gone",
    }[result.outcome]
    if result.outcome is Outcome.NOT_YOURS:
        log.warning(
            "user %s pressed a button of survey %s, not theirs",
            query.from_user.id,
            callback_data.survey_id,
        )
    text = t(await language_of(db, query.from_user), refusal)
    await _answer_query(query, text, webhook_reply)


@dataclass(frozen=True, slots=True)
class Waiting:
    """A customer's survey that is waiting for an answer to `question`."""

    customer: Customer
    survey: Survey
    question: Question


async def text_answer(
    message: Message,
    update_record: UpdateRecord,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    clock: Clock,
    alerts: AlertNotifier,
    long_texts: LongTexts,
    live_settings: LiveSettings,
) -> None:
    if long_texts.is_tail(message.chat.id, message.message_id, message.date):
        log.debug("update %s is the tail of a refused long text", update_record.update_id)
        return
    waiting = await _waiting(message, bot, db, conversation)
    if waiting is None:
        return
    language, question = waiting.customer.language, waiting.question
    text = (message.text or "").strip()
    if question in answers.BUTTON_QUESTIONS or not text:
        await _hint(message, bot, waiting, conversation)
    elif len(text) > answers.MAX_TEXT_ANSWER:
        limit = answers.MAX_TEXT_ANSWER
        refusal = t(language, "too_long", count=len(text), limit=format_count(limit, language))
        long_texts.refused(message.chat.id, message.message_id, message.date)
        await conversation.ask(bot, waiting.customer, waiting.survey, lead=refusal)
    else:
        answer = answers.from_text(question, text)
        await _take(
            message,
            update_record,
            bot,
            db,
            conversation,
            clock,
            alerts,
            live_settings,
            waiting,
            answer,
        )


async def contact_answer(
    message: Message,
    update_record: UpdateRecord,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    clock: Clock,
    alerts: AlertNotifier,
    live_settings: LiveSettings,
) -> None:
    waiting = await _waiting(message, bot, db, conversation)
    if waiting is None:
        return
    if waiting.question is not Question.REFERRAL:
        await _hint(message, bot, waiting, conversation)
        return
    shared = message.contact
    assert shared is not None
    contact = Contact(
        name=" ".join(part for part in (shared.first_name, shared.last_name) if part),
        # E.164 where it reads as a number, so /forget finds it by the person's own phone
        phone=normalize_phone(shared.phone_number) or shared.phone_number or None,
        telegram_user_id=shared.user_id,
    )
    answer = Answer(Question.REFERRAL, choice=Choice.CONTACT)
    await _take(
        message,
        update_record,
        bot,
        db,
        conversation,
        clock,
        alerts,
        live_settings,
        waiting,
        answer,
        contact,
    )


async def other_content(
    message: Message, bot: Bot, db: Database, conversation: SurveyConversation
) -> None:
    """Stickers, photos, voice and the like: say what kind of answer we need."""
    waiting = await _waiting(message, bot, db, conversation)
    if waiting is not None:
        await _hint(message, bot, waiting, conversation)


async def _waiting(
    message: Message, bot: Bot, db: Database, conversation: SurveyConversation
) -> Waiting | None:
    """The survey this message may answer; otherwise reply as fits and return None.

    No survey in progress: a friendly word. A question that never reached the customer
    (a crash or a failed send): ask it now rather than guess what the message answers.
    """
    user = message.from_user
    assert user is not None
    customer = await customers.get_by_telegram_id(db.reader, user.id)
    survey = await surveys.in_progress(db.reader, customer.id) if customer else None
    if customer is None or survey is None or survey.question is None:
        await _idle(message, customer)
        return None
    if survey.prompt_message_id is None:
        await conversation.ask_owed(bot, customer, survey)
        return None
    return Waiting(customer, survey, survey.question)


async def _hint(
    message: Message, bot: Bot, waiting: Waiting, conversation: SurveyConversation
) -> None:
    """Say what kind of answer the question needs, and ask the question again below it."""
    hint = t(waiting.customer.language, answers.hint_key(waiting.question))
    await conversation.ask(bot, waiting.customer, waiting.survey, lead=hint)


async def _take(
    message: Message,
    update_record: UpdateRecord,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    clock: Clock,
    alerts: AlertNotifier,
    live_settings: LiveSettings,
    waiting: Waiting,
    answer: Answer,
    contact: Contact | None = None,
) -> None:
    """Record an answer given as a message and move the survey on."""
    assert message.from_user is not None
    with conversation.answering(waiting.survey.id):
        result = await answering.record(
            db,
            update_id=update_record.update_id,
            telegram_user_id=message.from_user.id,
            survey_id=waiting.survey.id,
            answer=answer,
            now=clock(),
            alert_rules=live_settings.current.alert_rules,
            contact=contact,
        )
        update_record.recorded = result.update_claimed
        if result.outcome is Outcome.RECORDED:  # the answer is in the chat: nothing to mark
            await conversation.after_answer(bot, result, answer.question, pressed=None)
    if result.outcome is Outcome.RECORDED:
        await alerts.on_answer(bot, waiting.survey.id, answer.question, result.alert_id)
    else:
        log.info("update %s not recorded: %s", update_record.update_id, result.outcome.value)


async def _idle(message: Message, customer: Customer | None) -> None:
    user = message.from_user
    language = customer.language if customer else language_for(user.language_code if user else None)
    await message.answer(t(language, "idle"))


async def _answer_query(
    query: CallbackQuery, text: str | None, webhook_reply: WebhookReply | None
) -> None:
    """Answer a callback, in the webhook's answer when there is one; a repeat of one
    already answered is refused by Telegram, harmlessly."""
    call = query.answer(text)
    if webhook_reply is not None and webhook_reply.offer(call):
        return
    try:
        await call
    except TelegramBadRequest as error:
        log.debug("callback %s not answered: %s", query.id, error)


def build_answer_router() -> Router:
    """The answer buttons alone: the busiest update, so it is routed first, without
    passing every staff router (their buttons carry other prefixes than AnswerCallback)."""
    router = Router(name="answers")
    router.callback_query.register(button_answer, AnswerCallback.filter())
    return router


def build_router() -> Router:
    """Messages that may answer the question a customer is asked (commands go elsewhere)."""
    router = Router(name="written answers")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(text_answer, F.text & ~F.text.startswith("/"))
    router.message.register(contact_answer, F.contact)
    router.message.register(other_content, ~F.text)
    return router
