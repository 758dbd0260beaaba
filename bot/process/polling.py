"""Updates handled at once, confirmed to Telegram only once all of them are handled.

Polling runs with aiogram's `handle_as_tasks=True`: every update of a `getUpdates` batch is
handled in a task of its own, so customers in different chats do not wait for each other.
Updates of one chat still go one after another, in order: aiogram's FSM middleware holds
`SimpleEventIsolation`'s per-chat lock around each of them.

Telegram takes the next `getUpdates` call's offset as the confirmation of every earlier
update, and aiogram asks for the next batch as soon as it has started the tasks. So
`HoldOffsetUntilHandled` keeps that call back until every update of the previous batch
has been handled: a crash mid-update leaves it unconfirmed, Telegram delivers it again,
and the update-id records (bot/process/once_per_update.py) make the repeat harmless.

`InFlightDispatcher` is aiogram's dispatcher knowing which updates are still being
handled. It also shields each one from cancellation (aiogram cancels what it runs when it
stops polling; that would cut a handler between its database write and its reply), and
`drain()` waits for them before the session and the database close.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from aiogram import Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import GetUpdates
from aiogram.methods.base import TelegramType
from aiogram.types import Update

from bot.process.outbound_gate import replying

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod


class InFlightDispatcher(Dispatcher):
    """aiogram's dispatcher, knowing which updates are still being handled."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unhandled: set[int] = set()  # ids of the last batch not handled yet
        self._all_handled = asyncio.Event()
        self._all_handled.set()

    def received(self, update_ids: Iterable[int]) -> None:
        """A `getUpdates` batch arrived: each of these ids is owed a handling."""
        self._unhandled.update(update_ids)
        if self._unhandled:
            self._all_handled.clear()

    async def all_handled(self) -> None:
        """Return once every update received so far has been handled."""
        await self._all_handled.wait()

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        # Here rather than in a middleware: an update whose middleware chain fails early
        # (a database error reading its FSM state) still counts as handled.
        with replying():  # what the handling sends answers a person (bot/process/outbound_gate.py)
            task = asyncio.ensure_future(super().feed_update(bot, update, **kwargs))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._handled(update.update_id))
        return await asyncio.shield(task)

    def _handled(self, update_id: int) -> None:
        self._unhandled.discard(update_id)
        if not self._unhandled:
            self._all_handled.set()

    async def drain(self, grace_seconds: float) -> None:
        """Wait up to `grace_seconds` for the updates still being handled."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace_seconds)


class HoldOffsetUntilHandled(BaseRequestMiddleware):
    """Sends `getUpdates` (which confirms the batch before it) only once that batch is handled."""

    def __init__(self, dispatcher: InFlightDispatcher) -> None:
        self._dispatcher = dispatcher

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        confirms_a_batch = isinstance(method, GetUpdates)  # not narrowing `method`'s type
        if not confirms_a_batch:
            return await make_request(bot, method)
        await self._dispatcher.all_handled()
        batch = await make_request(bot, method)
        # The chain passes the method's result on, not the Response its type hints name.
        self._dispatcher.received(update.update_id for update in cast(list[Update], batch))
        return batch
