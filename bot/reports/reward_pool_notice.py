"""Owners hear when the reward pool is running out, once, before customers go without.

The tick checks the pool; when it holds `LOW` codes or fewer, each owner gets one message.
The check and its mark are one transaction, and adding codes clears the mark in the same
transaction as the codes (storage.rewards), so each time the pool runs low owners hear once.
"""

from __future__ import annotations

import logging

from aiogram import Bot

from bot.reports.owner_notes import OwnerNotes
from bot.roles import Roles
from storage import rewards
from storage.database import Database

log = logging.getLogger(__name__)

LOW = 5


class RewardPoolNotice:
    def __init__(self, db: Database, roles: Roles, notes: OwnerNotes) -> None:
        self._db = db
        self._roles = roles
        self._notes = notes

    async def send_due(self, bot: Bot) -> bool:
        """Warn the owners if the pool is low and they were not told yet; True if warned."""
        if not self._roles.owner_ids:
            return False  # kept for when there are owners to tell
        if not await rewards.low_notice_due(self._db.reader, LOW):
            return False
        async with self._db.transaction() as conn:  # checked again, and marked, as one
            free = await rewards.claim_low_notice(conn, LOW)
        if free is None:
            return False
        await self._notes.tell(bot, "reward_pool_low", count=free)  # marked first: once
        log.info("owners told the reward pool has %s codes left", free)
        return True
