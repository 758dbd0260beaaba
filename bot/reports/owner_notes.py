"""A note to every owner, each in their language: a webhook disabled, a backup failing."""

from __future__ import annotations

import logging

from aiogram import Bot

from bot.languages import staff_language
from bot.process.bulk_sender import BulkSender, SendOutcome
from bot.roles import Roles
from bot.texts import t
from storage.database import Database

log = logging.getLogger(__name__)


class OwnerNotes:
    def __init__(self, db: Database, roles: Roles, sender: BulkSender) -> None:
        self._db = db
        self._roles = roles
        self._sender = sender

    async def tell(self, bot: Bot, key: str, **values: object) -> int:
        """Send text `key` to every owner; how many got it."""
        told = 0
        for owner_id in sorted(self._roles.owner_ids):
            language = await staff_language(self._db, owner_id)
            if await self._send(bot, owner_id, t(language, key, **values)):
                told += 1
            else:
                log.warning("note %s not delivered to owner %s", key, owner_id)
        return told

    async def _send(self, bot: Bot, chat_id: int, text: str) -> bool:
        result = await self._sender.send(lambda: bot.send_message(chat_id, text))
        return result.outcome is SendOutcome.SENT
