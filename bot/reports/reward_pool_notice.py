"""Owners hear when the reward pool is running out, once, before customers go without.

The tick checks the pool; when it holds `LOW` codes or fewer, each owner gets one message.
The check and its mark are one transaction, and adding codes clears the mark in the same
transaction as the codes (storage.rewards), so each time the pool runs low owners hear once.
"""

from __future__ import annotations

import logging

from aiogram import Bot

from bot.languages import staff_language
from bot.process.bulk_sender import BulkSender, SendOutcome
from bot.roles import Roles
from bot.texts import t
from storage import rewards
from storage.database import Database

log = logging.getLogger(__name__)

LOW = 5


class RewardPoolNotice:
    def __init__(self, db: Database, roles: Roles, sender: BulkSender) -> None:
        self._db = db
        self._roles = roles
        self._sender = sender

    async def send_due(self, bot: Bot) -> bool:
        """Warn the owners if the pool is low and they were not told yet; True if warned."""
        owners = sorted(self._roles.owner_ids)
        if not owners:
            return False  # kept for when there are owners to tell
        if not await rewards.low_notice_due(self._db.reader, LOW):
            return False
        async with self._db.transaction() as conn:  # checked again, and marked, as one
            free = await rewards.claim_low_notice(conn, LOW)
        if free is None:
            return False
        for owner_id in owners:  # marked first: once, even if a send fails
            language = await staff_language(self._db, owner_id)
            if not await self._tell(bot, owner_id, t(language, "reward_pool_low", count=free)):
                log.warning("reward pool notice not delivered to owner %s", owner_id)
        log.info("owners told the reward pool has %s codes left", free)
        return True

    async def _tell(self, bot: Bot, chat_id: int, text: str) -> bool:
        result = await self._sender.send(lambda: bot.send_message(chat_id, text))
        return result.outcome is SendOutcome.SENT
