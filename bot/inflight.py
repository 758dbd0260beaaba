"""Lets updates being handled finish when the bot stops.

aiogram stops polling by cancelling the task that is handling an update, which would
cut a handler between its database write and its reply. This outer middleware runs
each update in a task of its own, shielded from that cancellation, and `drain()`
waits for those tasks before the session and the database close. The update was not
confirmed to Telegram yet, so after a restart it is delivered again and the
update-id claim makes the repeat harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlightUpdates(BaseMiddleware):
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.ensure_future(handler(event, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(task)

    async def drain(self, grace_seconds: float) -> None:
        """Wait up to `grace_seconds` for the updates still being handled."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace_seconds)
