"""Figures that take a quarter of a second over a million answers, served in a millisecond.

An entry is kept with the database's version (SQLite's `data_version`, which moves when
anything is committed) and is served as it is while nothing changed, for up to `fresh`
seconds (its periods end "now"). Once stale, an entry that was cheap to compute (under
`cheap` seconds: a small business's database) is computed again while the viewer waits, so
they see every answer at once; a dear one is still served at once and recomputed in the
background (stale while revalidating), so on a large database a viewer waits only for
figures never asked for before, and sees them at most a computation late. One computation
per key at a time; the least recently used entries go beyond `size`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.logs import log_failure

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    value: T
    version: int  # the database's data_version it was computed at
    made: float  # time.monotonic() when computed
    cost: float  # seconds it took


class FreshCache(Generic[T]):
    def __init__(self, *, fresh: float, cheap: float = 0.15, size: int = 256) -> None:
        self._fresh = fresh
        self._cheap = cheap
        self._size = size
        self._entries: OrderedDict[Hashable, Entry[T]] = OrderedDict()
        self._running: dict[Hashable, asyncio.Task[T]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]], version: int) -> T:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            if entry.version == version and time.monotonic() - entry.made <= self._fresh:
                return entry.value
            if entry.cost >= self._cheap:
                self._start(key, compute, version)
                return entry.value
        return await asyncio.shield(self._start(key, compute, version))

    async def close(self) -> None:
        """Stop what is being computed: the server is stopping."""
        running = list(self._running.values())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    def _start(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], version: int
    ) -> asyncio.Task[T]:
        running = self._running.get(key)
        if running is not None:
            return running
        task = asyncio.create_task(self._compute(key, compute, version))
        task.add_done_callback(_logged_already)
        self._running[key] = task
        return task

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[T]], version: int) -> T:
        started = time.monotonic()
        try:
            value = await compute()
        except Exception as error:
            log_failure(log, error, "dashboard figures %s", key)
            raise
        finally:
            self._running.pop(key, None)
        now = time.monotonic()
        self._entries[key] = Entry(value, version, now, now - started)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value


def _logged_already(task: asyncio.Task[object]) -> None:
    """A background recomputation's failure is logged by `_compute`: not again by asyncio."""
    if not task.cancelled():
        task.exception()
