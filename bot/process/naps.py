"""Sleeps that a stop cuts short: a bot that stops must not wait out a 429 or a backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Naps:
    def __init__(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._sleep = sleep
        self._sleeping: set[asyncio.Future[None]] = set()

    async def nap(self, delay: float) -> None:
        """Sleep `delay` seconds, or less if `wake_all()` comes first (then return quietly;
        the caller checks why it woke). A cancellation of the caller itself goes on up."""
        nap = asyncio.ensure_future(self._sleep(delay))
        self._sleeping.add(nap)
        try:
            await nap
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
        finally:
            self._sleeping.discard(nap)

    def wake_all(self) -> None:
        for nap in self._sleeping:
            nap.cancel()
