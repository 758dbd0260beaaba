"""Owners hear when the reward pool is running out, once, before customers go without.

The tick checks the pool; when it holds `LOW` codes or fewer, each owner gets one message.
The mark is kept in `meta` and cleared when codes are added, so the next time the pool runs
low they hear again.
"""

from __future__ import annotations

import logging

from aiogram import Bot

from bot.languages import staff_language
from bot.roles import Roles
from bot.texts import t
from scheduler.sender import RateLimitedSender, SendOutcome
from storage import meta, rewards
from storage.database import Database
from storage.rewards import RewardMode

log = logging.getLogger(__name__)

LOW = 5
WARNED = "reward_pool_low_warned"


class RewardNotice:
    def __init__(self, db: Database, roles: Roles, sender: RateLimitedSender) -> None:
        self._db = db
        self._roles = roles
        self._sender = sender

    async def check(self, bot: Bot) -> bool:
        """Warn the owners if the pool is low and they were not told yet; True if warned."""
        reward = await rewards.current(self._db.reader)
        if reward.mode is not RewardMode.POOL or reward.free > LOW:
            return False
        if await meta.get(self._db, WARNED) is not None:
            return False
        await meta.put(self._db, WARNED, str(reward.free))  # once, even if a send fails
        for owner_id in sorted(self._roles.owner_ids):
            language = await staff_language(self._db, owner_id)
            text = t(language, "reward_pool_low", free=reward.free)
            if not await self._tell(bot, owner_id, text):
                log.warning("reward pool notice not delivered to owner %s", owner_id)
        log.info("owners told the reward pool has %s codes left", reward.free)
        return True

    async def _tell(self, bot: Bot, chat_id: int, text: str) -> bool:
        result = await self._sender.send(chat_id, lambda: bot.send_message(chat_id, text))
        return result.outcome is SendOutcome.SENT


async def pool_refilled(db: Database) -> None:
    """Codes were added: the next time the pool runs low, owners hear again."""
    await meta.remove(db, WARNED)
