"""What customers do: start the bot, press answer buttons, write answers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import aiosqlite
from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import (
    CallbackQuery,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    User,
)

from bot.callbacks import AnswerCallback
from bot.languages import language_of
from bot.menus import publish_staff_menu
from bot.process.once_per_update import UpdateRecord
from bot.process.webhook import WebhookReply
from bot.reports.alerts import AlertNotifier
from bot.staff.roles import Roles
from bot.survey import answers
from bot.survey.conversation import REFERRAL_PREFIX, SurveyConversation
from bot.survey.long_texts import LongTexts
from bot.texts import language_for, t
from core.clock import Clock
from core.concurrency import together
from core.settings import Settings, format_duration
from intake.phones import normalize_phone
from intake.qr import PAYLOAD_PREFIX, read_payload
from storage import answering, customers, referrals, surveys
from storage.answering import Outcome
from storage.database import Database
from storage.intake import DispatchSoon, IntakeStatus, record_purchase
from storage.live_settings import LiveSettings
from storage.models import Answer, Choice, Contact, Customer, Question, Survey
from storage.purchases import NewPurchase

log = logging.getLogger(__name__)

QR_PREFIX = PAYLOAD_PREFIX + "_"


async def start(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    clock: Clock,
    roles: Roles,
    live_settings: LiveSettings,
    qr_secret: bytes,
    dispatch_soon: DispatchSoon,
) -> None:
    user = message.from_user
    assert user is not None
    now = clock()
    async with db.transaction() as conn:
        customer, is_new = await register(conn, user, now)
        # /start after /stop subscribes again
        resubscribed = customer.opted_out and await customers.set_opted_out(conn, customer.id, None)
        payload = command.args or ""
        if is_new and payload.startswith(REFERRAL_PREFIX):
            referrer = await customers.get_by_referral_code(conn, payload[len(REFERRAL_PREFIX) :])
            if referrer is not None and referrer.id != customer.id:
                await customers.set_referred_by(conn, customer.id, referrer.id)
                referral = referrals.NewReferral(referrer.id, "link", telegram_user_id=user.id)
                await referrals.add(conn, referral, now)
                log.info("customer %s joined through the link of %s", customer.id, referrer.id)
    key = "welcome" if is_new else "welcome_back"
    text = t(customer.language, key, name=user.first_name)
    if resubscribed:
        text += "\n\n" + t(customer.language, "resubscribed")
    if customer.phone is None:
        text += "\n\n" + t(customer.language, "phone_offer")
    await message.answer(text, reply_markup=_phone_keyboard(customer))
    if payload.startswith(QR_PREFIX):
        settings = live_settings.current
        await _scanned(message, customer, payload, db, settings, qr_secret, clock, dispatch_soon)
    if roles.is_admin(user.id):
        await publish_staff_menu(bot, roles, user.id, customer.language)
    survey = await surveys.in_progress(db.reader, customer.id)
    if survey is not None:
        await conversation.ask(bot, customer, survey, lead=t(customer.language, "continue_survey"))


async def register(conn: aiosqlite.Connection, user: User, now: datetime) -> tuple[Customer, bool]:
    """The customer behind this Telegram user, created on first contact."""
    return await customers.upsert_started(
        conn,
        telegram_user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language=language_for(user.language_code),
        now=now,
    )


def _phone_keyboard(customer: Customer) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    if customer.phone is not None:
        return ReplyKeyboardRemove()
    button = KeyboardButton(text=t(customer.language, "btn_share_phone"), request_contact=True)
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)


async def _scanned(
    message: Message,
    customer: Customer,
    payload: str,
    db: Database,
    settings: Settings,
    qr_secret: bytes,
    clock: Clock,
    dispatch_soon: DispatchSoon,
) -> None:
    """A QR code from the counter or a receipt: record the visit or purchase it names."""
    target = read_payload(qr_secret, payload)
    if target is None:
        log.info("customer %s opened an invalid QR link", customer.id)
        await message.answer(t(customer.language, "qr_invalid"))
        return
    now = clock()
    result = await record_purchase(
        db,
        NewPurchase(
            customer_id=customer.id,
            amount_minor=target.amount_minor,
            currency=settings.currency,
            purchased_at=now,
            source="qr",
            order_id=target.order_id,
            store=target.store,
        ),
        settings.survey_rules,
        now=now,
    )
    if result.survey_due(now):
        dispatch_soon()
    if result.status is IntakeStatus.CREATED:
        log.info("purchase %s recorded from a QR code", result.purchase.id)
        await message.answer(t(customer.language, "qr_thanks"))
    elif result.status is IntakeStatus.REPLAYED:
        await message.answer(t(customer.language, "qr_thanks"))
    else:
        await message.answer(t(customer.language, "qr_used"))


async def help_(message: Message, db: Database, roles: Roles, live_settings: LiveSettings) -> None:
    settings = live_settings.current
    user = message.from_user
    assert user is not None
    language = await language_of(db, user)
    text = t(language, "help_customer")
    if roles.is_admin(user.id):
        text += t(language, "help_staff", delay=format_duration(settings.survey_delay))
    if roles.is_owner(user.id):
        text += t(language, "help_owner")
    await message.answer(text)


async def button_answer(
    query: CallbackQuery,
    callback_data: AnswerCallback,
    update_record: UpdateRecord,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    clock: Clock,
    alerts: AlertNotifier,
    webhook_reply: WebhookReply | None = None,
) -> None:
    answer = answers.from_button(callback_data)
    if answer is None:
        text = t(await language_of(db, query.from_user), "cb_invalid")
        await _answer_query(query, text, webhook_reply)
        return
    result = await answering.record(
        db,
        update_id=update_record.update_id,
        telegram_user_id=query.from_user.id,
        survey_id=callback_data.survey_id,
        answer=answer,
        now=clock(),
    )
    update_record.recorded = result.update_claimed
    if result.outcome is Outcome.RECORDED:
        assert result.customer is not None
        label = answers.button_label(answer, result.customer.language)
        await together(  # independent calls: the customer waits for one round trip
            _answer_query(query, None, webhook_reply),
            conversation.after_answer(bot, result, answer.question, label),
        )
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
        refusal = t(language, "too_long", length=len(text), limit=limit)
        long_texts.refused(message.chat.id, message.message_id, message.date)
        await conversation.ask(bot, waiting.customer, waiting.survey, lead=refusal)
    else:
        answer = answers.from_text(question, text)
        await _take(message, update_record, bot, db, conversation, clock, alerts, waiting, answer)


async def own_phone(
    message: Message, db: Database, clock: Clock, dispatch_soon: DispatchSoon
) -> None:
    """The customer shared their own number ("Share my phone")."""
    shared, user = message.contact, message.from_user
    assert shared is not None and user is not None
    customer = await customers.get_by_telegram_id(db.reader, user.id)
    if customer is None:  # shared before /start: start them now, quietly
        async with db.transaction() as conn:
            customer, _ = await register(conn, user, clock())
    phone = normalize_phone(shared.phone_number)
    if phone is None:
        await message.answer(t(customer.language, "phone_invalid"))
        return
    async with db.transaction() as conn:
        moved = await customers.link_phone(conn, customer, phone, clock())
    log.info("customer %s shared their phone; %s earlier purchases linked", customer.id, moved)
    if moved:  # their surveys came too, and may be due already
        dispatch_soon()
    await message.answer(t(customer.language, "phone_saved"), reply_markup=ReplyKeyboardRemove())


def _is_own_contact(message: Message) -> bool:
    return bool(
        message.contact and message.from_user and message.contact.user_id == message.from_user.id
    )


async def contact_answer(
    message: Message,
    update_record: UpdateRecord,
    bot: Bot,
    db: Database,
    conversation: SurveyConversation,
    clock: Clock,
    alerts: AlertNotifier,
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
        phone=shared.phone_number or None,
        telegram_user_id=shared.user_id,
    )
    answer = Answer(Question.REFERRAL, choice=Choice.CONTACT)
    await _take(
        message, update_record, bot, db, conversation, clock, alerts, waiting, answer, contact
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
    waiting: Waiting,
    answer: Answer,
    contact: Contact | None = None,
) -> None:
    """Record an answer given as a message and move the survey on."""
    assert message.from_user is not None
    result = await answering.record(
        db,
        update_id=update_record.update_id,
        telegram_user_id=message.from_user.id,
        survey_id=waiting.survey.id,
        answer=answer,
        now=clock(),
        contact=contact,
    )
    update_record.recorded = result.update_claimed
    if result.outcome is Outcome.RECORDED:
        label = contact.name if contact else None
        await conversation.after_answer(bot, result, answer.question, label)
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
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="customer")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(text_answer, F.text & ~F.text.startswith("/"))
    router.message.register(own_phone, F.contact, _is_own_contact)
    router.message.register(contact_answer, F.contact)
    router.message.register(other_content, ~F.text)
    return router
