"""Keeps every written answer's themes up to date, in the background.

Answers are read in batches, by default on a worker thread (pymorphy3 is pure Python: a
batch at a time leaves the event loop its turns); the bot reads them in a child process,
which keeps pymorphy3's dictionaries off its heap. A batch is written per transaction. A tick of
the scheduler catches up on new answers; the figures catch up before they are counted; a
change to the dictionary drops every answer's themes (storage.themes) and reads them all
again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from analytics.themes import Normaliser, Theme, ThemeMatcher, Topics
from storage import themes
from storage.database import Database

log = logging.getLogger(__name__)

BATCH = 500

Reading = Callable[
    [Sequence[Theme], Sequence[tuple[int, str]]], Awaitable[list[tuple[int, Topics]]]
]
"""How a batch of answers is read with a dictionary: by default on a worker thread of this
process; the bot reads in a child process instead (bot/process/theme_process.py)."""


class ThemeTagger:
    def __init__(self, db: Database, read: Reading | None = None, batch: int = BATCH) -> None:
        self._db = db
        self._read = read
        self._batch = batch
        self._normaliser: Normaliser | None = None
        self._matcher: ThemeMatcher | None = None
        self._busy = asyncio.Lock()
        self._stopping = False

    async def catch_up(self) -> int:
        """Read every written answer not read yet; how many were read."""
        read = 0
        async with self._busy:
            while not self._stopping and (
                batch := await themes.untagged(self._db.reader, self._batch)
            ):
                topics = await self._topics(batch)
                async with self._db.transaction() as conn:
                    await themes.save_topics(conn, topics)
                read += len(batch)
                if len(batch) < self._batch:
                    break
        if read:
            log.debug("themes of %s written answers read", read)
        return read

    def stop(self) -> None:
        """The bot is stopping: a catch-up under way ends after its batch."""
        self._stopping = True

    @asynccontextmanager
    async def editing(self) -> AsyncIterator[None]:
        """Around a change to the dictionary: no batch read with the old one is written
        after it, and the next catch-up reads with the new one."""
        async with self._busy:
            try:
                yield
            finally:
                self._matcher = None

    async def _topics(self, batch: list[tuple[int, str]]) -> list[tuple[int, Topics]]:
        if self._read is not None:
            return await self._read(await themes.dictionary(self._db.reader), batch)
        matcher = await self._current_matcher()
        return await asyncio.to_thread(_read_all, matcher, batch)

    async def _current_matcher(self) -> ThemeMatcher:
        if self._matcher is None:
            if self._normaliser is None:  # the dictionaries load in ~0.1 s, off the loop
                self._normaliser = await asyncio.to_thread(Normaliser)
            dictionary = await themes.dictionary(self._db.reader)
            normaliser = self._normaliser
            self._matcher = await asyncio.to_thread(ThemeMatcher, dictionary, normaliser)
        return self._matcher


def _read_all(matcher: ThemeMatcher, batch: list[tuple[int, str]]) -> list[tuple[int, Topics]]:
    return [(answer_id, matcher.topics(text)) for answer_id, text in batch]
