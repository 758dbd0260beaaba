"""One effect per Telegram update, however often it arrives.

Telegram sends an update again when it did not hear it was handled: polling after a stop
that came before the next offset was confirmed, a webhook whose answer was late or lost.
This outer middleware records every handled update id and skips ids it has recorded, so
a repeated /purchase, /staff or CSV file changes nothing twice. Answers claim their id
inside their own transaction instead (storage/answering.py), which covers a crash between
storing an answer and recording the update, and say so through the `update_record`
handlers get, which spares a second write per answer.

A repeat that comes while its update is still being handled (Telegram gave up waiting for
the webhook's answer: a handler waiting out a database lock, a send that hangs) waits until
that handling ends, then is decided as usual: skipped if the first recorded the update,
handled if the first ended without recording it (it failed). Skipped at once instead, the
repeat would be answered 200, Telegram would count the update delivered, and a crash or an
error in the first handling would lose it for good. aiogram's per-chat lock
(SimpleEventIsolation, taken before this middleware) already holds back repeats of updates
that have a chat or a user; this guard does not rely on it.

An update id's slot is taken with no await between finding it free and taking it, so two
deliveries are never handled at once; only then is "seen already?" asked, which may read
the database for an old id. The slot is the `UpdateRecord` handlers get, so a new update
costs one small object; the event a repeat waits on is made only when a repeat comes.

The database holds every claimed id; `ClaimedSinceStart` remembers the ones this process
claimed, so a new update (the usual case) is known unseen without a read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update

from core.clock import Clock
from storage import updates
from storage.database import Database

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class UpdateRecord:
    """What a handler gets as `update_record`: the update's id, and whether it recorded it."""

    update_id: int
    recorded: bool = False
    # set once the handling ends; made only when a repeat comes meanwhile and waits for it
    ended: asyncio.Event | None = field(default=None, init=False, repr=False, compare=False)


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
        self._handling: dict[int, UpdateRecord] = {}  # update id -> its handling's slot

    @classmethod
    async def open(cls, db: Database, clock: Clock) -> OncePerUpdate:
        floor = await updates.highest(db.reader)
        return cls(db, clock, ClaimedSinceStart(floor if floor is not None else -1))

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        update_id = event.update_id
        while (running := self._handling.get(update_id)) is not None:
            log.info("update %s arrived again while being handled; waiting for that", update_id)
            if running.ended is None:
                running.ended = asyncio.Event()
            await running.ended.wait()
        # no await since the slot was found free: this delivery alone handles the update
        record = self._handling[update_id] = data["update_record"] = UpdateRecord(update_id)
        try:
            claimed = self._claimed
            if claimed.knows(update_id):
                seen = update_id in claimed
            else:
                seen = await updates.seen(self._db.reader, update_id)
            if seen:
                log.info("update %s arrived again; it was handled already", update_id)
                return UNHANDLED
            result = await handler(event, data)
            if not record.recorded:
                await updates.claim_alone(self._db, update_id, self._clock())
                record.recorded = True
            return result
        finally:
            if record.recorded:
                self._claimed.add(update_id)
            del self._handling[update_id]
            if record.ended is not None:
                record.ended.set()
