"""One effect per Telegram update, however often it arrives.

Telegram sends an update again when it did not hear it was handled: polling after a stop
that came before the next offset was confirmed, a webhook whose answer was late or lost.
This outer middleware records every handled update id (and skips ids it has recorded or
is handling right now), so a repeated /purchase, /staff or CSV file changes nothing twice.
Answers claim their id inside their own transaction instead (storage/answering.py), which
covers a crash between storing an answer and recording the update, and say so through
the `update_record` handlers get, which spares a second write per answer.

The database holds every claimed id; `ClaimedSinceStart` remembers the ones this process
claimed, so a new update (the usual case) is known unseen without a read.
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


class ClaimedSinceStart:
    """The update ids above `floor` that this process claimed: all that were claimed.

    Only the bot's process claims update ids, so above the highest id stored when it
    started, an id is claimed exactly when this process claimed it. To stay small the
    set keeps the newest `keep` ids and raises the floor past the ones it lets go; ids
    at or below the floor (an old redelivery, a random restart of Telegram's numbering)
    are for the database to answer.
    """

    def __init__(self, floor: int, keep: int = 10_000) -> None:
        self.floor = floor
        self._keep = keep
        self._ids: set[int] = set()

    def knows(self, update_id: int) -> bool:
        """True when the answer to "was it claimed?" is `update_id in self`."""
        return update_id > self.floor

    def __contains__(self, update_id: int) -> bool:
        return update_id in self._ids

    def add(self, update_id: int) -> None:
        if update_id <= self.floor:
            return
        self._ids.add(update_id)
        if len(self._ids) > 2 * self._keep:
            ordered = sorted(self._ids)
            self.floor = ordered[-self._keep - 1]
            self._ids = set(ordered[-self._keep :])


class OncePerUpdate(BaseMiddleware):
    def __init__(self, db: Database, clock: Clock, claimed: ClaimedSinceStart) -> None:
        self._db = db
        self._clock = clock
        self._claimed = claimed
        self._handling: set[int] = set()

    @classmethod
    async def open(cls, db: Database, clock: Clock) -> OncePerUpdate:
        floor = await updates.highest(db.reader)
        return cls(db, clock, ClaimedSinceStart(floor if floor is not None else -1))

    async def _seen(self, update_id: int) -> bool:
        if self._claimed.knows(update_id):
            return update_id in self._claimed
        return await updates.seen(self._db.reader, update_id)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        update_id = event.update_id
        if update_id in self._handling or await self._seen(update_id):
            log.info("update %s arrived again; it was handled already", update_id)
            return UNHANDLED
        self._handling.add(update_id)
        record = data["update_record"] = UpdateRecord(update_id)
        try:
            result = await handler(event, data)
            if not record.recorded:
                await updates.claim_alone(self._db, update_id, self._clock())
                record.recorded = True
            return result
        finally:
            if record.recorded:
                self._claimed.add(update_id)
            self._handling.discard(update_id)
