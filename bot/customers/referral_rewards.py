"""The referrer's thanks: a pool code when a friend they brought makes a first purchase.

The reward is owed in the purchase's transaction (storage.referral_credit); the tick sends
what is owed. The code is claimed for the friend before the message goes out, so a message
sent again after a crash carries the same code; a referrer who cannot be reached (blocked
the bot, forgotten) gives the code back to the pool. While the pool has no free code the
reward stays owed, and goes out once owners add codes.
"""

from __future__ import annotations

import functools
import logging

from aiogram import Bot

from bot.process.bulk_sender import BulkSender, SendOutcome
from bot.texts import t
from core.clock import Clock
from storage import referral_credit, rewards
from storage.database import Database

log = logging.getLogger(__name__)

BATCH = 20


class ReferralRewards:
    def __init__(self, db: Database, clock: Clock, sender: BulkSender) -> None:
        self._db = db
        self._clock = clock
        self._sender = sender

    async def send_due(self, bot: Bot) -> int:
        """Send the rewards owed, as far as the pool goes; how many were sent."""
        sent = 0
        for reward in await referral_credit.owed(self._db.reader, BATCH):
            if reward.referrer_chat is None:  # the referrer asked to be forgotten
                async with self._db.transaction() as conn:
                    await referral_credit.settle(
                        conn, reward.friend_id, "unreachable", self._clock()
                    )
                continue
            async with self._db.transaction() as conn:
                code = await rewards.issue_for_friend(conn, reward.friend_id, self._clock())
            if code is None:
                return sent  # the pool is empty: the rest wait for new codes, in order
            text = t(reward.language, "referral_reward", code=code)
            result = await self._sender.send(
                functools.partial(bot.send_message, reward.referrer_chat, text)
            )
            if result.outcome is SendOutcome.STOPPED or result.outcome is SendOutcome.GAVE_UP:
                return sent  # still owed, with its code: tried again at a later tick
            async with self._db.transaction() as conn:
                if result.outcome is SendOutcome.SENT:
                    await referral_credit.settle(conn, reward.friend_id, "sent", self._clock())
                    sent += 1
                else:
                    await rewards.release_for_friend(conn, reward.friend_id)
                    await referral_credit.settle(
                        conn, reward.friend_id, "unreachable", self._clock()
                    )
                    log.info("a referral reward could not reach customer %s", reward.referrer_id)
        if sent:
            log.info("sent %s referral rewards", sent)
        return sent
