"""Commands for owners and admins. The whole router is closed to everyone else."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.formats import money, zone_name
from bot.texts import local_time, t
from core.clock import Clock
from core.settings import Settings
from intake.fields import ORDER_ID_PATTERN
from intake.money import AmountError, parse_amount
from storage import customers, meta
from storage.database import Database
from storage.intake import DispatchSoon, IntakeStatus, record_purchase
from storage.live_settings import LiveSettings
from storage.models import MAX_ROW_ID, Customer, Survey
from storage.purchases import NewPurchase

log = logging.getLogger(__name__)


TELEGRAM_ID = re.compile(r"[0-9]{1,19}")


async def purchase(
    message: Message,
    command: CommandObject,
    db: Database,
    live_settings: LiveSettings,
    clock: Clock,
    dispatch_soon: DispatchSoon,
    language: str,
) -> None:
    """`/purchase <telegram_user_id> <amount> [order_id]`: store a purchase, schedule a survey."""
    settings = live_settings.current
    assert message.from_user is not None
    args = (command.args or "").split()
    if len(args) not in (2, 3):
        await message.answer(t(language, "purchase_usage"))
        return
    user_text, amount_text, *rest = args
    if not TELEGRAM_ID.fullmatch(user_text) or int(user_text) > MAX_ROW_ID:
        await message.answer(t(language, "purchase_bad_user", value=user_text))
        return
    try:
        amount = parse_amount(amount_text, settings.currency)
    except AmountError:
        await message.answer(t(language, "purchase_bad_amount", value=amount_text))
        return
    order_id = rest[0] if rest else None
    if order_id is not None and not ORDER_ID_PATTERN.fullmatch(order_id):
        await message.answer(t(language, "purchase_bad_order"))
        return
    customer = await customers.get_by_telegram_id(db.reader, int(user_text))
    if customer is None:
        await message.answer(t(language, "purchase_unknown_customer", user_id=user_text))
        return
    now = clock()
    result = await record_purchase(
        db,
        NewPurchase(
            customer_id=customer.id,
            amount_minor=amount,
            currency=settings.currency,
            purchased_at=now,
            source="command",
            order_id=order_id,
        ),
        settings.survey_rules,
        now=now,
    )
    if result.survey_due(now):
        dispatch_soon()
    stored = result.purchase
    if result.status is IntakeStatus.CONFLICT:
        text = t(language, "purchase_conflict", order_id=order_id, purchase_id=stored.id)
    elif result.status is IntakeStatus.REPLAYED:
        text = t(language, "purchase_replayed", order_id=order_id, purchase_id=stored.id)
    else:
        created = {
            "purchase_id": stored.id,
            "amount": money(amount, settings.currency, language),
            "customer": _describe(customer),
        }
        if result.opted_out:
            text = t(language, "purchase_opted_out", **created)
        elif result.survey is None:  # throttled
            text = t(language, "purchase_throttled", count=settings.survey_throttle_days, **created)
        else:
            paused = await meta.get(db, meta.SURVEYS_PAUSED) is not None
            when = _when(result.survey, settings, language, now, paused)
            text = t(language, "purchase_created", survey_id=result.survey.id, when=when, **created)
        log.info(
            "purchase %s registered by staff %s (survey: %s)",
            stored.id,
            message.from_user.id,
            result.survey.id if result.survey else "none",
        )
    await message.answer(text)


def _describe(customer: Customer) -> str:
    name = " ".join(part for part in (customer.first_name, customer.last_name) if part)
    handle = f" @{customer.username}" if customer.username else ""
    return f"{name or customer.telegram_user_id}{handle} (id {customer.telegram_user_id})"


def _when(survey: Survey, settings: Settings, language: str, now: datetime, paused: bool) -> str:
    """When the survey really goes out: a pause holds it, quiet hours move it on."""
    if paused:
        return t(language, "when_paused")
    due = max(survey.due_at, now)
    quiet = settings.quiet_window
    sent = due if quiet is None else quiet.ends_after(due, settings.tz)
    if sent <= now:
        return t(language, "when_now")
    time = local_time(sent, settings.tz, language)
    key = "when_after_quiet_hours" if sent > due else "when_at"
    return t(language, key, time=time, timezone=zone_name(settings.tz, language))


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="purchase")
    router.message.register(purchase, Command("purchase"))
    return router
