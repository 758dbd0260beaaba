"""A person's first contact: /start (from a friend's link or a store's QR code), /help,
"Share my phone"."""

from __future__ import annotations

import logging
from datetime import datetime

import aiosqlite
from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import (
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    User,
)

from bot.menus import publish_staff_menu
from bot.roles import Roles
from bot.survey.conversation import REFERRAL_PREFIX, SurveyConversation
from bot.texts import from_now, language_for, t
from core.clock import Clock, start_of_day
from core.phones import normalize_phone
from core.settings import Settings
from intake.qr import PAYLOAD_PREFIX, read_payload
from storage import customers, purchases, referrals, surveys
from storage.database import Database
from storage.intake import DispatchSoon, IntakeStatus, record_purchase_in
from storage.live_settings import LiveSettings
from storage.models import Customer
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
        await publish_staff_menu(
            bot, roles, user.id, customer.language, webapp_url=live_settings.base.webapp_url
        )
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
    scanned = NewPurchase(
        customer_id=customer.id,
        amount_minor=target.amount_minor,
        currency=settings.currency,
        purchased_at=now,
        source="qr",
        order_id=target.order_id,
        store=target.store,
    )
    async with db.transaction() as conn:
        today = start_of_day(now, settings.tz)
        # A store's code (no order id): one visit a day, however often it is scanned.
        again = target.order_id is None and await purchases.same_scan_since(conn, scanned, today)
        if not again:
            result = await record_purchase_in(conn, scanned, settings.survey_rules, now=now)
    if again:
        log.info("customer %s scanned a store's QR code again today", customer.id)
        await message.answer(t(customer.language, "qr_thanks"))
        return
    if result.survey_due(now):
        dispatch_soon()
    if result.status is IntakeStatus.CREATED:
        log.info("purchase %s recorded from a QR code", result.purchase.id)
        await message.answer(t(customer.language, "qr_thanks"))
    elif result.status is IntakeStatus.REPLAYED:
        await message.answer(t(customer.language, "qr_thanks"))
    else:
        await message.answer(t(customer.language, "qr_used"))


async def help_(
    message: Message, db: Database, roles: Roles, live_settings: LiveSettings, language: str
) -> None:
    settings = live_settings.current
    user = message.from_user
    assert user is not None
    text = t(language, "help_customer")
    if roles.is_admin(user.id):
        text += t(language, "help_staff", delay=from_now(settings.survey_delay, language))
    if roles.is_owner(user.id):
        text += t(language, "help_owner")
    await message.answer(text)


async def own_phone(
    message: Message,
    db: Database,
    clock: Clock,
    live_settings: LiveSettings,
    dispatch_soon: DispatchSoon,
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
    now = clock()
    async with db.transaction() as conn:
        moved = await customers.link_phone(conn, customer, phone, now)
        if moved is not None:  # the surveys that waited for them can go out now
            bought_since = live_settings.current.survey_rules.bought_since(now)
            released = await surveys.release_waiting(conn, customer.id, bought_since, now)
    if moved is None:
        log.info("customer %s shared a phone another account holds: not saved", customer.id)
        await message.answer(
            t(customer.language, "phone_taken"), reply_markup=ReplyKeyboardRemove()
        )
        return
    log.info("customer %s shared their phone; %s earlier purchases linked", customer.id, moved)
    if released:
        dispatch_soon()
    await message.answer(t(customer.language, "phone_saved"), reply_markup=ReplyKeyboardRemove())


def _is_own_contact(message: Message) -> bool:
    return bool(
        message.contact and message.from_user and message.contact.user_id == message.from_user.id
    )


def build_router() -> Router:
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="start")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(own_phone, F.contact, _is_own_contact)
    return router
