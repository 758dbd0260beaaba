"""Detractor alerts in the owners' chats: raised at once, kept up to date, reminded once.

The alert row is written with the low score (see storage.answering), so it survives any
crash; its copies in the owners' chats are recorded as they are sent, and the scheduler's
tick sends whatever copy a crash or a failed send left owed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import timedelta, tzinfo
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, Message, ReplyParameters
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from bot.formats import moment, zone_name
from bot.languages import staff_language
from bot.people import person_link
from bot.process.bulk_sender import BulkSender, SendOutcome
from bot.roles import Roles, staff_name
from bot.texts import t, t_html
from core.clock import Clock
from core.logs import log_failure
from storage import alerts
from storage.alerts import AlertView
from storage.database import Database
from storage.live_settings import LiveSettings
from storage.models import MAX_ROW_ID, Question

log = logging.getLogger(__name__)

REDELIVER_WITHIN = timedelta(days=1)
"""Copies owed for alerts older than this are not sent any more (the digest lists them)."""

SETTLE = timedelta(minutes=1)
"""The tick leaves alerts this fresh to the handler that is sending them right now."""

MAX_COMMENT = 1000


def customer_link(view: AlertView, language: str) -> str:
    return person_link(
        language,
        first_name=view.customer_first_name,
        last_name=view.customer_last_name,
        username=view.customer_username,
        telegram_id=view.customer_telegram_id,
    )


def render(view: AlertView, language: str, tz: tzinfo, handler: str | None) -> str:
    lines = [
        t(
            language,
            "alert_title" if view.question is Question.NPS else "alert_title_csat",
            score=view.score,
        ),
        t_html(language, "alert_customer", customer=customer_link(view, language)),
    ]
    if view.customer_phone:
        lines.append(t(language, "alert_phone", phone=view.customer_phone))
    if view.order_id or view.store:
        lines.append(
            t(language, "alert_order", order=view.order_id or "—", store=view.store or "—")
        )
    when = moment(view.created_at, tz, language)
    lines.append(t(language, "alert_time", time=when, zone=zone_name(tz, language)))
    if view.comment:
        lines.append(t(language, "alert_comment", comment=_clip(view.comment)))
    else:
        lines.append(t(language, "alert_no_comment"))
    if view.resolved_at is not None:
        lines.append(t(language, "alert_resolved", who=handler or "—"))
    elif handler is not None:
        lines.append(t(language, "alert_claimed", who=handler))
    return "\n".join(lines)


def keyboard(view: AlertView, language: str) -> InlineKeyboardMarkup | None:
    if not view.is_open:
        return None
    builder = InlineKeyboardBuilder()
    if view.claimed_by is None:
        builder.button(
            text=t(language, "btn_alert_claim"),
            callback_data=AlertCallback(alert_id=view.id, action=AlertAction.CLAIM),
        )
    builder.button(
        text=t(language, "btn_alert_resolve"),
        callback_data=AlertCallback(alert_id=view.id, action=AlertAction.RESOLVE),
    )
    builder.adjust(2)
    return builder.as_markup()


def _clip(text: str) -> str:
    return text if len(text) <= MAX_COMMENT else text[: MAX_COMMENT - 1] + "…"


class AlertNotifier:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        roles: Roles,
        sender: BulkSender,
        settings: LiveSettings,
    ) -> None:
        self._db = db
        self._clock = clock
        self._roles = roles
        self._sender = sender
        self._live = settings
        self._locks: dict[int, asyncio.Lock] = {}
        self._warned: set[tuple[int, int]] = set()

    @property
    def _tz(self) -> tzinfo:
        return self._live.current.tz  # TIMEZONE may change at run time (/settings)

    async def on_answer(
        self, bot: Bot, survey_id: int, question: Question, alert_id: int | None
    ) -> None:
        """Raise the alert a low score opened; show a detractor's comment on theirs.

        Nothing that goes wrong on the owners' side reaches the customer, whose answer is
        stored: the alert is in the database and the tick sends what is still owed.
        """
        try:
            if alert_id is not None:
                await self.deliver(bot, alert_id)
            elif question is Question.FIX:
                view = await alerts.for_survey(self._db.reader, survey_id)
                if view is not None:
                    await self.refresh(bot, view.id)
        except Exception as error:  # its message may quote the customer's comment
            log_failure(log, error, "alert for survey %s", survey_id)

    async def deliver(self, bot: Bot, alert_id: int, *, scheduled: bool = False) -> None:
        """Send the alert to every owner who has no copy of it yet.

        Raised by an answer, the first owner's copy goes out with the replies to customers;
        the others are bulk work, behind the replies (bot/process/outbound_gate.py).
        """
        async with self._alert_lock(alert_id):
            view = await alerts.get(self._db.reader, alert_id)
            if view is None:
                return
            sent = await alerts.messages(self._db.reader, alert_id)
            owed = sorted(self._roles.owner_ids - sent.keys())
            copies = await asyncio.gather(
                *(
                    self._send(bot, owner_id, view, scheduled=scheduled or index > 0)
                    for index, owner_id in enumerate(owed)
                )
            )
            delivered = 0
            for owner_id, message in zip(owed, copies, strict=True):
                if message is not None:
                    async with self._db.transaction() as conn:
                        await alerts.add_message(conn, alert_id, owner_id, message.message_id)
                    delivered += 1
            if delivered:
                log.info(
                    "alert %s (survey %s) sent to %s owners", alert_id, view.survey_id, delivered
                )

    async def refresh(self, bot: Bot, alert_id: int) -> None:
        """Edit every copy of the alert to show its current state."""
        async with self._alert_lock(alert_id):
            view = await alerts.get(self._db.reader, alert_id)
            if view is None:
                return
            handler = await self._handler_name(view)
            for chat_id, message_id in (await alerts.messages(self._db.reader, alert_id)).items():
                language = await staff_language(self._db, chat_id)
                try:
                    await bot.edit_message_text(
                        text=render(view, language, self._tz, handler),
                        chat_id=chat_id,
                        message_id=message_id,
                        reply_markup=keyboard(view, language),
                    )
                except TelegramAPIError as error:  # deleted, unchanged, blocked, flood...
                    log.debug("alert %s copy in %s not edited: %s", alert_id, chat_id, error)

    async def get(self, alert_id: int) -> AlertView | None:
        return await alerts.get(self._db.reader, alert_id)

    async def claim(self, alert_id: int, user_id: int) -> bool:
        async with self._db.transaction() as conn:
            return await alerts.claim(conn, alert_id, user_id, self._clock())

    async def resolve(self, alert_id: int, user_id: int) -> bool:
        async with self._db.transaction() as conn:
            return await alerts.resolve(conn, alert_id, user_id, self._clock())

    async def redeliver_owed(self, bot: Bot) -> None:
        """Send copies a crash or a failed send left owed (the scheduler's tick calls this).

        Alerts raised in the last minute are left to the handler sending them right now.
        """
        now = self._clock()
        raised = (now - REDELIVER_WITHIN, now - SETTLE)
        for alert_id in await alerts.owed(self._db.reader, raised, self._roles.owner_ids):
            await self.deliver(bot, alert_id, scheduled=True)

    async def send_reminders(self, bot: Bot, remind_after: timedelta) -> int:
        """One reminder per alert still open `remind_after` after it was raised.

        Marked before sending, so a reminder is never sent twice; if no copy of it could
        be sent, the mark is taken back and the next tick tries again.
        """
        now = self._clock()
        async with self._db.transaction() as conn:
            due = await alerts.claim_reminders(conn, now - remind_after, now)
        for alert_id in due:
            sent = 0
            for chat_id, message_id in (await alerts.messages(self._db.reader, alert_id)).items():
                language = await staff_language(self._db, chat_id)
                text = t(language, "alert_reminder", count=_hours(remind_after))
                reply = functools.partial(_reply, bot, chat_id, message_id, text)
                result = await self._sender.send(reply)
                sent += result.outcome is SendOutcome.SENT
            if sent:
                log.info("alert %s reminded", alert_id)
            else:
                async with self._db.transaction() as conn:
                    await alerts.unmark_reminded(conn, alert_id)
        return len(due)

    async def _send(
        self, bot: Bot, chat_id: int, view: AlertView, *, scheduled: bool
    ) -> Message | None:
        """Send one copy: once, as the handler's reply, or as bulk work through the sender,
        which tries again after Telegram's transient failures."""
        language = await staff_language(self._db, chat_id)
        text = render(view, language, self._tz, await self._handler_name(view))
        markup = keyboard(view, language)
        if not scheduled:
            try:
                return await bot.send_message(chat_id, text, reply_markup=markup)
            except TelegramAPIError as error:  # owed: the tick tries again
                self._not_delivered(view.id, chat_id, error.message)
                return None
        result = await self._sender.send(
            lambda: bot.send_message(chat_id, text, reply_markup=markup)
        )
        if result.outcome is SendOutcome.SENT:
            return result.value
        self._not_delivered(view.id, chat_id, result.error or str(result.outcome.value))
        return None

    def _not_delivered(self, alert_id: int, chat_id: int, reason: str) -> None:
        """A copy stays owed (an owner who blocked the bot, say): warn once, not every tick."""
        first = (alert_id, chat_id) not in self._warned
        self._warned.add((alert_id, chat_id))
        level = logging.WARNING if first else logging.DEBUG
        log.log(level, "alert %s not delivered to %s: %s", alert_id, chat_id, reason)

    async def _handler_name(self, view: AlertView) -> str | None:
        who = view.resolved_by if view.resolved_at is not None else view.claimed_by
        return None if who is None else await staff_name(self._db, who)

    @asynccontextmanager
    async def _alert_lock(self, alert_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(alert_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._locks.get(alert_id) is lock:
                del self._locks[alert_id]


def _reply(bot: Bot, chat_id: int, message_id: int, text: str) -> Awaitable[Message]:
    return bot.send_message(chat_id, text, reply_parameters=ReplyParameters(message_id=message_id))


def _hours(duration: timedelta) -> int:
    return max(1, round(duration.total_seconds() / 3600))


class AlertAction(StrEnum):
    CLAIM = "claim"  # "I'll handle it"
    RESOLVE = "resolve"


class AlertCallback(CallbackData, prefix="al"):
    """A staff button on a detractor alert."""

    alert_id: int = Field(ge=1, le=MAX_ROW_ID)
    action: AlertAction
