"""One gate for every message the bot sends or edits, within SEND_RATE in total.

Telegram takes about 30 messages a second from a bot and answers 429 beyond that, edits
counting like sends; it does not count `answerCallbackQuery` or `getUpdates`. So every Bot
API call that posts or edits a message passes this gate, whoever makes it: a handler's
reply, the scheduler's survey, an alert, a digest, an export (it sits in the bot's session,
bot/process/aiogram_session.py, so nothing can go around it).

* **Replies first.** A call made while handling an update (a reply to a person's own action)
  is a `REPLY`; everything else is `BULK`: the scheduler's surveys and reminders, digests,
  alert copies beyond the first owner (see `bulk()`). A free slot goes to the oldest reply
  waiting, and only when none waits to the oldest bulk call.
* **Paced on a grid.** Slots are `1 / rate` apart with no burst, on a fixed grid while calls
  queue up: a wake-up a few milliseconds late shortens the next wait instead of pushing
  every later slot back; a wake-up half an interval late or more (the event loop stalled)
  starts a new grid a full interval later, so lag never turns into a burst.
* **A 429 holds the gate** for exactly the `retry_after` Telegram asks; the refused call goes
  first among its kind once the hold is over, and the held calls follow in their order.
* **One chat at a time for bulk.** Bulk calls to one chat start at least `per_chat_interval`
  apart (Telegram's about one message a second per chat); waiting for its chat holds back
  nobody else. A reply is not spaced: answering a tap takes an edit and a message at once,
  a burst Telegram tolerates.

Nothing polls: every wait is one sleep for a known duration, re-checked on waking because
the rate or a hold may have changed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods.base import TelegramType

from bot.process.naps import Naps

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

NOT_MESSAGES = frozenset({"sendChatAction"})
"""Methods named send… that post no message."""
PRUNE_FLOOR = 1024
"""Chat bookkeeping is swept once it holds more entries than this (and twice the last size)."""


class Priority(IntEnum):
    REPLY = 0
    BULK = 1


_priority: contextvars.ContextVar[Priority] = contextvars.ContextVar(
    "outbound_priority", default=Priority.BULK
)


@contextmanager
def as_priority(priority: Priority) -> Iterator[None]:
    """Calls made inside (and in tasks started inside) go out at `priority`."""
    token = _priority.set(priority)
    try:
        yield
    finally:
        _priority.reset(token)


def replying() -> AbstractContextManager[None]:
    """Handling a person's update: what is sent now answers them."""
    return as_priority(Priority.REPLY)


def bulk() -> AbstractContextManager[None]:
    """Work nobody is waiting on at this moment."""
    return as_priority(Priority.BULK)


def counted(api_method: str) -> bool:
    """Whether Telegram counts `api_method` against the bot's message limit."""
    if api_method in NOT_MESSAGES:
        return False
    return api_method.startswith(("send", "edit", "copyMessage", "forwardMessage"))


class GateStopped(Exception):
    """The bot is stopping: no call waiting for its slot is made any more."""


class OutboundStopped(TelegramNetworkError):
    """What the session raises for a call the stopping gate never made: to the caller it is
    a message that did not reach Telegram (what it was for stays owed)."""


@dataclass
class GateStats:
    sent: dict[Priority, int] = field(default_factory=lambda: dict.fromkeys(Priority, 0))
    rate_limited: int = 0  # 429s Telegram answered
    held_seconds: float = 0.0  # the 429 holds asked for, added up


class _Chat:
    __slots__ = ("last_start", "lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.last_start = -math.inf
        self.users = 0


class OutboundGate(BaseRequestMiddleware):
    """The bot session's middleware that paces every message-posting call."""

    def __init__(
        self,
        *,
        rate_per_second: float,
        per_chat_interval: float = 1.0,
        max_holds: int = 10,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_chat_interval < 0 or max_holds < 0:
            raise ValueError("per_chat_interval and max_holds must not be negative")
        self._interval = _interval(rate_per_second)
        self._per_chat_interval = per_chat_interval
        self._max_holds = max_holds
        self._monotonic = monotonic
        self._naps = Naps(sleep)
        self._waiting: dict[Priority, deque[asyncio.Future[None]]] = {p: deque() for p in Priority}
        self._granter: asyncio.Task[None] | None = None
        self._last_slot = -math.inf
        self._held_until = -math.inf
        self._chats: dict[int | str, _Chat] = {}
        self._prune_at = PRUNE_FLOOR
        self._stopped: set[Priority] = set()
        self.stats = GateStats()
        self.on_call_done: Callable[[float], None] | None = None
        """Told how long each call to Telegram took (METRICS' histogram)."""

    @property
    def rate_per_second(self) -> float:
        return 1.0 / self._interval

    @property
    def waiting(self) -> int:
        """Calls waiting for their slot now."""
        return sum(len(queue) for queue in self._waiting.values())

    def set_rate(self, rate_per_second: float) -> None:
        """Applies from the next slot on (a wait already begun re-checks when it wakes)."""
        self._interval = _interval(rate_per_second)

    def stop_bulk(self) -> None:
        """Bulk calls not begun yet fail (OutboundStopped), now and from now on; replies still
        go out (the handlers answering people get their grace to finish)."""
        self._stop({Priority.BULK})

    def stop(self) -> None:
        """Every call not begun yet fails (OutboundStopped), now and from now on."""
        self._stop(set(Priority))

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not counted(method.__api_method__):
            return await make_request(bot, method)
        priority = _priority.get()
        chat_id = getattr(method, "chat_id", None) if priority is Priority.BULK else None
        holds = 0
        while True:
            try:
                await self.wait_turn(priority, chat_id, first=holds > 0)
            except GateStopped:
                raise OutboundStopped(method, "not sent: the bot is stopping") from None
            started = self._monotonic()
            try:
                response = await make_request(bot, method)
            except TelegramRetryAfter as error:
                self.hold(error.retry_after)
                holds += 1
                if holds > self._max_holds:
                    raise
                continue
            finally:
                if self.on_call_done is not None:
                    self.on_call_done(self._monotonic() - started)
            self.stats.sent[priority] += 1
            return response

    def hold(self, seconds: float) -> None:
        """Telegram answered 429: no call starts for `seconds` from now."""
        self.stats.rate_limited += 1
        self.stats.held_seconds += max(seconds, 0.0)
        self._held_until = max(self._held_until, self._monotonic() + max(seconds, 0.0))

    async def wait_turn(
        self, priority: Priority, chat_id: int | str | None = None, *, first: bool = False
    ) -> None:
        """Return at the moment a call at `priority` may start, its slot taken. `chat_id`
        spaces calls to one chat; `first` puts the call ahead of its kind (a retry)."""
        if chat_id is None:
            await self._global_turn(priority, first)
            return
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        chat.users += 1
        try:
            async with chat.lock:
                await self._sleep_until(lambda: chat.last_start + self._per_chat_interval, priority)
                await self._global_turn(priority, first)
                chat.last_start = self._monotonic()
        finally:
            chat.users -= 1
        if len(self._chats) > self._prune_at:
            self._prune()

    async def _global_turn(self, priority: Priority, first: bool) -> None:
        if priority in self._stopped:
            raise GateStopped
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiting[priority]
        if first:
            queue.appendleft(turn)
        else:
            queue.append(turn)
        if self._granter is None:
            self._granter = asyncio.create_task(self._grant(), name="outbound gate")
        try:
            await turn
        finally:
            if turn in queue:  # cancelled while waiting: the slot goes to the next
                queue.remove(turn)

    async def _grant(self) -> None:
        """Give each slot to the first call waiting, replies before bulk, until none waits."""
        try:
            await self._grant_slots()
        except GateStopped:  # every waiter was failed by the stop
            pass
        finally:
            self._granter = None
        if self._first_waiting() is not None and self._stopped != set(Priority):
            self._granter = asyncio.create_task(self._grant(), name="outbound gate")

    async def _grant_slots(self) -> None:
        while self._first_waiting() is not None:
            arrived = self._monotonic()
            await self._sleep_until(self._next_slot)
            slot = max(self._next_slot(), arrived)
            if self._monotonic() - slot >= self._interval / 2:  # the loop stalled
                self._last_slot = self._monotonic()
                await self._sleep_until(self._next_slot)
                slot = self._monotonic()
            turn = self._first_waiting()  # a reply may have come meanwhile
            if turn is None:
                break
            self._last_slot = slot
            for queue in self._waiting.values():
                if queue and queue[0] is turn:
                    queue.popleft()
            turn.set_result(None)
            await asyncio.sleep(0)  # the caller starts its call in this slot

    def _first_waiting(self) -> asyncio.Future[None] | None:
        for priority in Priority:
            queue = self._waiting[priority]
            while queue and queue[0].done():  # cancelled, or failed by a stop
                queue.popleft()
            if queue:
                return queue[0]
        return None

    def _next_slot(self) -> float:
        return max(self._last_slot + self._interval, self._held_until)

    def _stop(self, priorities: set[Priority]) -> None:
        self._stopped |= priorities
        for priority in priorities:
            for turn in self._waiting[priority]:
                if not turn.done():
                    turn.set_exception(GateStopped())
            self._waiting[priority].clear()
        self._naps.wake_all()  # each wait checks whether it is stopped

    async def _sleep_until(
        self, deadline: Callable[[], float], priority: Priority | None = None
    ) -> None:
        """Sleep until deadline(), re-read after every wake since it may have moved.

        GateStopped once `priority` is stopped (the granter's own waits: once all are)."""
        while (delay := deadline() - self._monotonic()) > 0:
            if self._stopped >= ({priority} if priority is not None else set(Priority)):
                raise GateStopped
            await self._naps.nap(delay)

    def _prune(self) -> None:
        """Forget chats nobody is sending to whose interval has passed."""
        horizon = self._monotonic() - self._per_chat_interval
        self._chats = {
            chat_id: chat
            for chat_id, chat in self._chats.items()
            if chat.users or chat.last_start > horizon
        }
        self._prune_at = max(PRUNE_FLOOR, 2 * len(self._chats))


def _interval(rate_per_second: float) -> float:
    if not (rate_per_second > 0 and math.isfinite(rate_per_second)):
        raise ValueError(f"rate_per_second must be positive and finite, got {rate_per_second}")
    return 1.0 / rate_per_second
