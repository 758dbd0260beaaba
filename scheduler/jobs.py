"""The periodic jobs: send due surveys, resume stalled ones, tidy up."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiogram import Bot

from bot.config import Settings
from bot.conversation import SurveyConversation
from storage import updates
from storage.clock import Clock
from storage.database import Database

log = logging.getLogger(__name__)

STALLED_AFTER = timedelta(minutes=1)
"""A question undelivered this long after the survey moved is asked again."""


class Jobs:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        conversation: SurveyConversation,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self._bot = bot
        self._db = db
        self._conversation = conversation
        self._clock = clock
        self._settings = settings
        self._busy = asyncio.Lock()
        self._stopping = False

    async def dispatch_surveys(self) -> None:
        """Expire old surveys; outside quiet hours send due ones and reminders; resume."""
        async with self._busy:
            try:
                await self._tick()
            except Exception:
                # A failed tick must not stop the next; the database still knows what is due.
                log.exception("survey dispatch failed")

    async def _tick(self) -> None:
        settings, bot, conversation = self._settings, self._bot, self._conversation
        now = self._clock()
        await conversation.expire_overdue(bot, now - settings.survey_expires_after)
        window = settings.quiet_window
        if window is None or not window.covers(now, settings.tz):
            # About a second of sending per batch, so a stop never waits long for the tick.
            batch = max(1, int(settings.send_rate))
            while not self._stopping and await conversation.dispatch_due(bot, batch) == batch:
                pass
            reminded_before = now - settings.reminder_after
            while (
                not self._stopping
                and await conversation.send_reminders(bot, reminded_before, batch) == batch
            ):
                pass
        # Follow-ups owed to customers in the middle of a survey go out at any hour.
        await conversation.resume_unprompted(bot, grace=STALLED_AFTER)

    async def housekeeping(self) -> None:
        async with self._busy, self._db.transaction() as conn:
            removed = await updates.forget_old(conn, self._clock())
        log.debug("forgot %s old update ids", removed)

    async def drain(self) -> None:
        """Let the running tick finish its batch, then wait for it (pause the scheduler first)."""
        self._stopping = True
        async with self._busy:
            pass
