"""One effect per Telegram update, however often it arrives.

Telegram sends an update again when it did not hear it was handled: polling after a stop
that came before the next offset was confirmed, a webhook whose answer was late or lost.
This outer middleware records every handled update id (and skips ids it has recorded or
is handling right now), so a repeated /purchase, /staff or CSV file changes nothing twice.
Answers claim their id inside their own transaction instead (storage/answering.py), which
covers a crash between storing an answer and recording the update, and say so through
the `update_record` handlers get, which spares a second write transaction per answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update

from storage import updates
from storage.clock import Clock
from storage.database import Database

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class UpdateRecord:
    """What a handler gets as `update_record`: the update's id, and whether it recorded it."""

    update_id: int
    recorded: bool = False


class OncePerUpdate(BaseMiddleware):
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._handling: set[int] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        update_id = event.update_id
        if update_id in self._handling or await updates.seen(self._db.reader, update_id):
            log.info("update %s arrived again; it was handled already", update_id)
            return UNHANDLED
        self._handling.add(update_id)
        record = data["update_record"] = UpdateRecord(update_id)
        try:
            result = await handler(event, data)
            if not record.recorded:
                async with self._db.transaction() as conn:
                    await updates.claim(conn, update_id, self._clock())
            return result
        finally:
            self._handling.discard(update_id)
