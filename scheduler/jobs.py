"""The periodic jobs: send due surveys, resume stalled ones, tidy up."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiogram import Bot

from bot.conversation import SurveyConversation
from storage import updates
from storage.clock import Clock
from storage.database import Database

log = logging.getLogger(__name__)

STALLED_AFTER = timedelta(minutes=1)
"""A question undelivered this long after the survey moved is asked again."""


class Jobs:
    def __init__(
        self, bot: Bot, db: Database, conversation: SurveyConversation, clock: Clock
    ) -> None:
        self._bot = bot
        self._db = db
        self._conversation = conversation
        self._clock = clock
        self._busy = asyncio.Lock()

    async def dispatch_surveys(self) -> None:
        """Send every survey that is due, then any question a failure left undelivered."""
        async with self._busy:
            try:
                while await self._conversation.dispatch_due(self._bot) > 0:
                    pass
                await self._conversation.resume_unprompted(self._bot, grace=STALLED_AFTER)
            except Exception:
                # A failed tick must not stop the next; the database still knows what is due.
                log.exception("survey dispatch failed")

    async def housekeeping(self) -> None:
        async with self._busy, self._db.transaction() as conn:
            removed = await updates.forget_old(conn, self._clock())
        log.debug("forgot %s old update ids", removed)

    async def drain(self) -> None:
        """Wait for the job that is running, if any (pause the scheduler first)."""
        async with self._busy:
            pass
