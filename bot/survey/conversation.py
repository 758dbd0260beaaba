"""Asking survey questions and moving on after answers.

Shared by the handlers (a customer answered) and the scheduler (a survey is due, or a
question was never delivered). The survey row is the source of truth: a question is
asked for the survey's current `step`, and the message that asked it is recorded in
`prompt_message_id`, so a restart knows which questions it still owes. A completed
survey's `prompt_message_id` is its thank-you, owed in the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import datetime, timedelta
from enum import Enum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.deep_linking import create_start_link

from bot.process.bulk_sender import BulkSender, SendOutcome
from bot.survey.keyboards import question_keyboard
from bot.survey.wording import THANKS, Wording
from bot.texts import t, t_html
from core.clock import Clock
from storage import customers, rewards, surveys
from storage.answering import AnswerResult
from storage.database import Database
from storage.models import Customer, Question, Survey, SurveyStatus

log = logging.getLogger(__name__)

REFERRAL_PREFIX = "ref_"

UNREACHABLE = ("chat not found", "user is deactivated", "bot was blocked", "can't initiate")
"""Telegram's words for a chat the bot can no longer write to."""

SEND_AGAIN_AFTER = timedelta(minutes=5)
"""How long a first question the sender gave up on waits before it is tried again."""

TELEGRAM_UNAVAILABLE = (TelegramServerError, TelegramNetworkError, TelegramRetryAfter)
"""A send that failed for Telegram's own reasons (a 5xx, no connection, a timeout, a 429)."""


def unreachable(description: str, *, forbidden: bool = False) -> bool:
    return forbidden or any(words in description for words in UNREACHABLE)


RETRY_OWED_AFTER = (1.0, 2.0, 4.0)
"""Seconds before each new try of a next question or thank-you that Telegram failed right
after an answer; after the last, the scheduler's next tick has it."""


async def _despite_telegram(step: Awaitable[object], survey_id: int, what: str) -> bool:
    """Run `step`; a failure of Telegram's own is logged (False), any other raised."""
    try:
        await step
    except TELEGRAM_UNAVAILABLE as error:
        log.warning("survey %s: %s not sent (%s)", survey_id, what, type(error).__name__)
        return False
    return True


class FollowUp(Enum):
    """A question asked again, once, to a customer who went quiet."""

    REMINDER = "reminder"  # the survey's first question, not answered
    NUDGE = "nudge"  # a later question, the survey begun and left there


class SurveyConversation:
    """`sender` paces what the scheduler sends; replies to a customer go out directly."""

    def __init__(self, db: Database, clock: Clock, sender: BulkSender, wording: Wording) -> None:
        self._db = db
        self.clock = clock
        self._sender = sender
        self.wording = wording
        self._locks: dict[int, asyncio.Lock] = {}
        self._answering: Counter[int] = Counter()  # survey id -> handlings under way
        self._retries: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    @contextmanager
    def answering(self, survey_id: int) -> Iterator[None]:
        """While an answer to this survey is stored and followed up (and while its next
        message is tried again): the scheduler leaves that message to the handler."""
        self._answering[survey_id] += 1
        try:
            yield
        finally:
            self._answering[survey_id] -= 1
            if not self._answering[survey_id]:
                del self._answering[survey_id]

    async def stop(self) -> None:
        """No new try of an owed message; wait for a send under way (the rest stay owed)."""
        self._stopping.set()
        await asyncio.gather(*self._retries, return_exceptions=True)

    async def question_text(
        self, bot: Bot, question: Question, language: str, referral_code: str | None
    ) -> str:
        """The question as the customer with `referral_code` reads it (their own link
        under the referral question; no link without a code)."""
        text = self.wording.question(question, language)
        if question is Question.REFERRAL and referral_code is not None:
            link = await create_start_link(bot, REFERRAL_PREFIX + referral_code)
            text += "\n\n" + t(language, "ref_link", link=link)
        return text

    async def ask(
        self,
        bot: Bot,
        customer: Customer,
        survey: Survey,
        lead: str | None = None,
        *,
        only_if_unasked: bool = False,
        scheduled: bool = False,
        fresh: bool = False,
        follow_up: FollowUp | None = None,
    ) -> bool:
        """Send the survey's current question; False if it was not sent.

        One survey's questions are sent one at a time: the scheduler, a handler and a
        restart may all find the same question owed, and with `only_if_unasked` only the
        first of them asks it. `fresh` says `survey` is as the answer's transaction has just
        left it, so it is not read again: only answers move a survey to its next question,
        and one chat's updates are handled one at a time.
        """
        async with self._survey_lock(survey.id):
            current = survey if fresh else await surveys.get(self._db.reader, survey.id)
            if current is None or current.step != survey.step or current.question is None:
                return False
            if only_if_unasked and current.prompt_message_id is not None:
                return False
            question = current.question
            text = await self.question_text(
                bot, question, customer.language, customer.referral_code
            )
            keyboard = question_keyboard(current.id, question, customer.language)
            if lead:
                text = f"{lead}\n\n{text}"
            message = await self._send(
                bot, customer, current, text, keyboard, scheduled=scheduled, follow_up=follow_up
            )
            if message is None:
                return False
            status = await surveys.set_prompt(
                self._db, current.id, current.step, message.message_id, self.clock()
            )
        # Under the survey's lock nothing else asked it since `current` was read: the
        # message it had is the one this question replaces (a reminder's re-ask).
        previous = current.prompt_message_id if status is not None else None
        if previous is not None:
            await self._drop_keyboard(bot, customer, previous, scheduled=scheduled)
        if status is not None and status is not SurveyStatus.ACTIVE:
            # cancelled (/stop) or expired while on the way: its buttons would answer nothing
            await self._drop_keyboard(bot, customer, message.message_id, scheduled=scheduled)
        return True

    async def ask_owed(self, bot: Bot, customer: Customer, survey: Survey) -> bool:
        """Ask a question that never reached the customer, saying where we continue."""
        lead = None if survey.question is Question.NPS else t(customer.language, "continue_survey")
        return await self.ask(bot, customer, survey, lead=lead, only_if_unasked=True)

    async def after_answer(
        self, bot: Bot, result: AnswerResult, answered: Question, pressed: str | None
    ) -> None:
        """Show a pressed button's answer under its question, then ask the next question or
        say thank you.

        A written answer or a shared contact is in the chat already, under the question:
        the question is left as it is (an edit would show the customer nothing new and cost
        a message of Telegram's limit).

        The answer is stored already: when Telegram fails the next message (a 5xx, no
        connection, a timeout, a 429 the gate gave up waiting out), the handler still ends
        normally. "Something went wrong, try again" would be wrong, since nothing is the
        customer's to repeat; the message is tried again in a moment (RETRY_OWED_AFTER),
        then left to the scheduler.
        """
        survey, customer = result.survey, result.customer
        assert survey is not None and customer is not None
        steps: list[Awaitable[bool]] = []
        if result.answered_prompt_id is not None and pressed is not None:
            marked = self._mark_answered(
                bot, customer, result.answered_prompt_id, answered, pressed
            )
            steps.append(_despite_telegram(marked, survey.id, "the answer under its question"))
        next_message: Awaitable[object]
        if survey.question is not None:
            next_message = self.ask(bot, customer, survey, fresh=True)
            what = "the next question"
        else:
            next_message = self.thank(bot, customer, survey)
            what = "the thank-you"
        steps.append(_despite_telegram(next_message, survey.id, what))
        *_, sent = await asyncio.gather(*steps)  # neither waits for the other's reply
        if not sent:
            self._try_again_soon(bot, customer, survey.id)

    def _try_again_soon(self, bot: Bot, customer: Customer, survey_id: int) -> None:
        if self._stopping.is_set():
            return  # owed: sent after the restart
        task = asyncio.create_task(self._send_owed(bot, customer, survey_id))
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _send_owed(self, bot: Bot, customer: Customer, survey_id: int) -> None:
        """Try the survey's owed message again, a few times, while the scheduler leaves it
        alone; then the scheduler's tick has it."""
        with self.answering(survey_id):
            for delay in RETRY_OWED_AFTER:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                if self._stopping.is_set():
                    return
                survey = await surveys.get(self._db.reader, survey_id)
                if survey is None or survey.prompt_message_id is not None:
                    return  # sent meanwhile, or gone
                sending: Awaitable[object]
                if survey.status is SurveyStatus.COMPLETED:
                    sending = self.thank(bot, customer, survey)
                else:
                    sending = self.ask(bot, customer, survey, only_if_unasked=True)
                if await _despite_telegram(sending, survey_id, "the owed message, again"):
                    return

    async def thank(self, bot: Bot, customer: Customer, survey: Survey) -> None:
        """The closing thank-you, recorded like a question so a crash cannot swallow it."""
        async with self._survey_lock(survey.id):
            current = await surveys.get(self._db.reader, survey.id)
            if current is None or current.prompt_message_id is not None:
                return
            text = self.wording.text(THANKS, customer.language)
            async with self._db.transaction() as conn:
                code = await rewards.issue(conn, current.id, self.clock())
            if code is not None:
                text += "\n\n" + t(customer.language, "reward_line", code=code)
            message = await self._send(bot, customer, current, text)
            if message is None:  # not sent; refused for good, the code went back (_give_up)
                return
            await surveys.set_prompt(
                self._db, current.id, current.step, message.message_id, self.clock()
            )
        log.info("survey %s completed by customer %s", survey.id, customer.id)

    async def dispatch_due(self, bot: Bot, limit: int = 100) -> int:
        """Start up to `limit` surveys whose time has come; return how many were due.

        Each is marked active (sent) before it is sent: a survey goes out at most once,
        unless Telegram failed it every time; then it is tried again (`_send_again_later`).
        """
        now = self.clock()
        async with self._db.transaction() as conn:
            due = await surveys.activate_due(conn, now, limit)
            if len(due) < limit:
                failed_before = now - SEND_AGAIN_AFTER
                due += await surveys.claim_unsent(conn, failed_before, now, limit - len(due))
        await asyncio.gather(*(self._start(bot, survey) for survey in due))
        return len(due)

    async def _start(self, bot: Bot, survey: Survey) -> None:
        customer = await customers.get(self._db.reader, survey.customer_id)
        if customer is not None and await self.ask(bot, customer, survey, scheduled=True):
            log.info("survey %s sent to customer %s", survey.id, customer.id)

    async def send_reminders(self, bot: Bot, sent_before: datetime, limit: int = 100) -> int:
        """One reminder for each survey sent before `sent_before` and not started yet."""
        async with self._db.transaction() as conn:
            claimed = await surveys.claim_reminders(conn, sent_before, self.clock(), limit)
        await asyncio.gather(*(self._remind(bot, survey) for survey in claimed))
        return len(claimed)

    async def _remind(self, bot: Bot, survey: Survey) -> None:
        customer = await customers.get(self._db.reader, survey.customer_id)
        if customer is None:
            return
        lead = t(customer.language, "reminder")
        reminder = FollowUp.REMINDER
        if await self.ask(bot, customer, survey, lead=lead, scheduled=True, follow_up=reminder):
            log.info("survey %s reminded", survey.id)

    async def send_nudges(self, bot: Bot, asked_before: datetime, limit: int = 100) -> int:
        """One nudge for each survey begun and left at a question asked before
        `asked_before`: that question again, with its buttons, where the customer stopped."""
        async with self._db.transaction() as conn:
            claimed = await surveys.claim_nudges(conn, asked_before, self.clock(), limit)
        await asyncio.gather(*(self._nudge(bot, survey) for survey in claimed))
        return len(claimed)

    async def _nudge(self, bot: Bot, survey: Survey) -> None:
        customer = await customers.get(self._db.reader, survey.customer_id)
        if customer is None:
            return
        lead = t(customer.language, "nudge")
        nudge = FollowUp.NUDGE
        if await self.ask(bot, customer, survey, lead=lead, scheduled=True, follow_up=nudge):
            log.info("survey %s nudged at step %s", survey.id, survey.step)

    async def expire_overdue(self, bot: Bot, cutoff: datetime) -> int:
        """Close surveys sent (or due) before `cutoff`; their buttons are withdrawn."""
        async with self._db.transaction() as conn:
            expired = await surveys.expire(conn, cutoff, self.clock())
        for survey in expired:
            customer = await customers.get(self._db.reader, survey.customer_id)
            if customer is not None and survey.prompt_message_id is not None:
                await self._drop_keyboard(bot, customer, survey.prompt_message_id, scheduled=True)
            log.info("survey %s expired at step %s", survey.id, survey.step)
        return len(expired)

    async def resume_unprompted(self, bot: Bot) -> int:
        """Send what a crash or a failed send left owed: follow-up questions and thank-yous.

        A first question (NPS) whose send was cut off is not sent again: the customer
        may have it already, and a survey goes out at most once (the reminder follows
        it up). A survey whose answer is being handled is left to its handler.
        """
        pending = await surveys.unprompted(self._db.reader)
        resumed = 0
        for survey in pending:
            if survey.id in self._answering:
                continue
            customer = await customers.get(self._db.reader, survey.customer_id)
            if customer is None:
                continue
            if survey.status is SurveyStatus.COMPLETED:
                await self.thank(bot, customer, survey)
            elif await self.ask_owed(bot, customer, survey):
                resumed += 1
                log.info("survey %s resumed at step %s", survey.id, survey.step)
        return resumed

    async def _send(
        self,
        bot: Bot,
        customer: Customer,
        survey: Survey,
        text: str,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        scheduled: bool = False,
        follow_up: FollowUp | None = None,
    ) -> Message | None:
        """Send to the customer; a chat Telegram refuses for good fails the survey.

        Scheduled sends go through the rate-limited sender, which retries what can be
        retried; a send it gives up on stays owed and is picked up again later (a first
        question after SEND_AGAIN_AFTER, a reminder at the reminders' next turn).
        """
        chat_id = customer.telegram_user_id
        if chat_id is None:
            return None

        def send() -> Awaitable[Message]:
            return bot.send_message(chat_id, text, reply_markup=keyboard)

        if not scheduled:
            try:
                return await send()
            except (TelegramForbiddenError, TelegramBadRequest) as error:
                if not unreachable(
                    error.message, forbidden=isinstance(error, TelegramForbiddenError)
                ):
                    raise
                await self._give_up(
                    customer,
                    survey,
                    error.message,
                    blocked=isinstance(error, TelegramForbiddenError),
                )
                return None
        result = await self._sender.send(send)
        if result.outcome is SendOutcome.SENT:
            return result.value
        description = result.error or result.outcome.value
        if result.outcome is SendOutcome.FORBIDDEN or (
            result.outcome is SendOutcome.BAD_REQUEST and unreachable(description)
        ):
            await self._give_up(
                customer, survey, description, blocked=result.outcome is SendOutcome.FORBIDDEN
            )
        else:
            level = logging.INFO if result.outcome is SendOutcome.STOPPED else logging.WARNING
            log.log(
                level,
                "survey %s: message not sent (%s): %s",
                survey.id,
                result.outcome.value,
                description,
            )
            if survey.question is Question.NPS and survey.prompt_message_id is None:
                await self._send_again_later(survey, tried=result.attempts > 0)
            elif follow_up is not None and result.outcome in (
                SendOutcome.GAVE_UP,
                SendOutcome.STOPPED,
            ):  # a 400 would be refused again: that follow-up is not owed
                await self._owe_again(survey, follow_up)
        return None

    async def _owe_again(self, survey: Survey, follow_up: FollowUp) -> None:
        now = self.clock()
        if follow_up is FollowUp.REMINDER:
            owed = await surveys.unremind(self._db, survey.id, now)
        else:
            owed = await surveys.unnudge(self._db, survey.id, survey.step, now)
        if owed:
            log.info("survey %s: %s owed again", survey.id, follow_up.value)

    async def _send_again_later(self, survey: Survey, *, tried: bool) -> None:
        """A first question the sender gave up on goes to the dispatch again, instead of
        waiting a day for the reminder (within quiet hours and /pause, like any first
        question): after SEND_AGAIN_AFTER if Telegram failed it, at once if the bot
        stopped before trying."""
        now = self.clock()
        if not tried:
            if await surveys.unstart(self._db, survey.id, now):
                log.info("survey %s: first question not tried, scheduled again", survey.id)
        elif await surveys.mark_unsent(self._db, survey.id, now):
            log.info("survey %s: first question due again in %s", survey.id, SEND_AGAIN_AFTER)

    @asynccontextmanager
    async def _survey_lock(self, survey_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(survey_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._locks.get(survey_id) is lock:
                del self._locks[survey_id]

    async def _mark_answered(
        self, bot: Bot, customer: Customer, message_id: int, question: Question, pressed: str
    ) -> None:
        """Replace the question's buttons with the answer, so they cannot be pressed again."""
        answer = t(customer.language, "answer_label", label=pressed)
        text = t_html(
            customer.language,
            "answered",
            question=await self.question_text(
                bot, question, customer.language, customer.referral_code
            ),
            answer=answer,
        )
        try:
            await bot.edit_message_text(
                text=text, chat_id=customer.telegram_user_id, message_id=message_id
            )
        except TelegramBadRequest as error:
            log.debug("could not edit message %s: %s", message_id, error)

    async def _drop_keyboard(
        self, bot: Bot, customer: Customer, message_id: int, *, scheduled: bool = False
    ) -> None:
        chat_id = customer.telegram_user_id
        if chat_id is None:
            return

        def edit() -> Awaitable[Message | bool]:
            return bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=None
            )

        if scheduled:
            await self._sender.send(edit)
            return
        try:
            await edit()
        except TelegramBadRequest as error:
            log.debug("could not remove an old keyboard: %s", error)

    async def _give_up(
        self, customer: Customer, survey: Survey, description: str, *, blocked: bool
    ) -> None:
        """Telegram refuses this chat (blocked, deleted, never started): stop trying.

        A completed survey's thank-you is the one case where the survey itself is done:
        the customer is marked unreachable instead, so the thank-you is not owed again
        until they press Start (their pool code, if any, goes back to the pool).
        """
        now = self.clock()
        async with self._db.transaction() as conn:
            if blocked or survey.status is SurveyStatus.COMPLETED:
                await customers.mark_blocked(conn, customer.id, now)
            if survey.status is SurveyStatus.COMPLETED:
                await rewards.release(conn, survey.id)
            await surveys.mark_failed(conn, survey.id, now)
        log.warning("survey %s to customer %s failed: %s", survey.id, customer.id, description)
