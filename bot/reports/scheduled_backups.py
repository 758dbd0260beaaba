"""BACKUP_SCHEDULE: a checked copy of the database in BACKUP_DIR at set times, the newest
BACKUP_KEEP kept.

Each minute the scheduler asks whether the latest slot (`daily 03:00`, `sun 03:00`, in
TIMEZONE) has its copy; a slot missed while the bot was down is made up at the start. The
copy is SQLite's online backup, integrity-checked before it takes its name
(storage.backup). A failure is logged each time and told to the owners once, until a copy
succeeds again (an owner unreachable then is told at the next failure); the failed slot is
not retried before the next one.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot

from bot.reports.owner_notes import OwnerNotes
from core.clock import Clock, from_db, to_db
from storage import meta
from storage.backup import BackupError, backup_database, rotate, scheduled_name
from storage.database import Database
from storage.live_settings import LiveSettings

log = logging.getLogger(__name__)

LAST_SLOT_KEY = "backup_last_slot"
FAILING_KEY = "backup_failing"


class ScheduledBackups:
    def __init__(
        self, db: Database, live_settings: LiveSettings, clock: Clock, notes: OwnerNotes
    ) -> None:
        self._db = db
        self._live = live_settings
        self._clock = clock
        self._notes = notes

    async def send_due(self, bot: Bot) -> bool:
        """Make the latest slot's copy if it is not made yet; True if one was attempted."""
        settings = self._live.current
        schedule = settings.backups
        if schedule is None:
            return False
        now = self._clock()
        slot = schedule.latest_slot(now, settings.tz)
        last = await meta.get(self._db, LAST_SLOT_KEY)
        if last is not None and from_db(last) >= slot:
            return False
        await meta.put(self._db, LAST_SLOT_KEY, to_db(slot))
        target = settings.backup_dir / scheduled_name(now.astimezone(settings.tz))
        try:
            info = await asyncio.to_thread(backup_database, self._db.path, target)
            removed = await asyncio.to_thread(rotate, settings.backup_dir, settings.backup_keep)
        except (BackupError, OSError) as error:
            await self._failed(bot, str(error) or type(error).__name__)
            return True
        log.info(
            "scheduled backup written (%s bytes), %s old copies removed", info.size, len(removed)
        )
        if await meta.remove(self._db, FAILING_KEY):
            await self._notes.tell(bot, "backup_scheduled_recovered", path=str(info.path))
        return True

    async def _failed(self, bot: Bot, error: str) -> None:
        log.error("scheduled backup failed: %s", error)
        if await meta.get(self._db, FAILING_KEY) is not None:
            return  # the owners were told already
        schedule = self._live.current.backup_schedule
        if await self._notes.tell(bot, "backup_scheduled_failed", error=error, schedule=schedule):
            await meta.put(self._db, FAILING_KEY, to_db(self._clock()))  # else: told next time
