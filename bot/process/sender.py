"""Paced, retrying delivery of Bot API calls that stays inside Telegram's flood limits.

One RateLimitedSender is shared by everything that sends. Every attempt passes two gates:

* a per-chat gate: attempts for one chat start at least `per_chat_interval` apart; waiting
  here does not hold anybody else back;
* the global gate, a FIFO lock: its holder sleeps until the next global slot (and until any
  429 pause is over), records that slot and lets the next one in. Slots are therefore spaced
  by `1 / rate_per_second`, with no burst, and sit on a fixed grid while sends queue up: an
  event loop that wakes a holder a few milliseconds late does not push every later slot back,
  which would cost a few percent of the rate for good (see `_take_slot` for longer stalls).
  A holder that arrives after its slot starts at once and anchors the grid there (no
  catching up on time nobody used).

Nothing polls: every wait is one sleep for a known duration, re-checked on waking because the
rate or the pause may have changed meanwhile. `stop()` cuts every wait short.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

__all__ = ["RateLimitedSender", "SendOutcome", "SendResult", "SenderStats"]

T = TypeVar("T")

_JITTER = 0.1
"""A backoff sleeps between (1 - _JITTER) and 1 times its nominal delay, never above the cap."""

_PRUNE_FLOOR = 1024
"""Chat bookkeeping is swept once it holds more entries than this (and twice the last size)."""


class SendOutcome(Enum):
    SENT = "sent"
    FORBIDDEN = "forbidden"  # 403: blocked, deactivated, never started; mark unreachable
    BAD_REQUEST = "bad_request"  # 400 (e.g. chat not found); do not retry
    GAVE_UP = "gave_up"  # 5xx / network errors beyond the retry bound, or too many 429s
    STOPPED = "stopped"  # stop() came first: not tried (again); what it was for stays owed


@dataclass(frozen=True, slots=True)
class SendResult(Generic[T]):
    outcome: SendOutcome
    value: T | None  # what the call returned when SENT
    error: str | None  # the Telegram error description otherwise (no personal data)
    attempts: int


@dataclass
class SenderStats:
    sent: int = 0
    rate_limited: int = 0  # 429s received
    retried: int = 0  # retries after 5xx/network errors
    forbidden: int = 0
    bad_request: int = 0
    gave_up: int = 0


class _Chat:
    """Per-chat gate: a FIFO of that chat's attempts and when the last one started."""

    __slots__ = ("last_start", "lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.last_start = -math.inf
        self.users = 0  # send() calls currently inside the gate


class RateLimitedSender:
    def __init__(
        self,
        *,
        rate_per_second: float,
        per_chat_interval: float = 1.0,
        max_attempts: int = 4,
        base_backoff: float = 1.0,
        max_backoff: float = 30.0,
        max_rate_limited: int = 10,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_chat_interval < 0 or base_backoff < 0 or max_backoff < 0:
            raise ValueError("intervals and backoffs must not be negative")
        if max_attempts < 1 or max_rate_limited < 0:
            raise ValueError("max_attempts must be >= 1 and max_rate_limited >= 0")
        self._interval = _interval(rate_per_second)
        self._per_chat_interval = per_chat_interval
        self._max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._max_rate_limited = max_rate_limited
        self._monotonic = monotonic
        self._sleep = sleep
        self._gate = asyncio.Lock()  # asyncio.Lock wakes its waiters in FIFO order
        self._last_slot = -math.inf
        self._paused_until = -math.inf
        self._chats: dict[int, _Chat] = {}
        self._prune_at = _PRUNE_FLOOR
        self._stopping = False
        self._naps: set[asyncio.Future[None]] = set()
        self.stats = SenderStats()

    @property
    def rate_per_second(self) -> float:
        return 1.0 / self._interval

    def set_rate(self, rate_per_second: float) -> None:
        """Applies from the next start on (a holder already asleep re-checks when it wakes)."""
        self._interval = _interval(rate_per_second)

    def stop(self) -> None:
        """From now on nothing new starts: every send still waiting for its slot, a 429
        pause or a backoff returns STOPPED at once; calls already made finish. For a
        shutdown that must not wait out a 35 s `retry_after`."""
        self._stopping = True
        for nap in self._naps:
            nap.cancel()

    async def send(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> SendResult[T]:
        """Run `call` once the gates allow, retrying 429s and transient errors.

        `attempts` counts every invocation of `call`. Transient failures (5xx, network,
        timeout) and 429s are bounded separately, by max_attempts and max_rate_limited.
        """
        attempts = transient = limited = 0
        while True:
            await self._acquire_start(chat_id)
            if self._stopping:
                return self._finish(SendOutcome.STOPPED, "the bot is stopping", attempts)
            attempts += 1
            try:
                value = await call()
            except TelegramRetryAfter as exc:
                self.stats.rate_limited += 1
                limited += 1
                retry_after = max(float(exc.retry_after), 0.0)
                self._paused_until = max(self._paused_until, self._monotonic() + retry_after)
                if limited > self._max_rate_limited:
                    error = f"Too Many Requests: retry after {exc.retry_after}"
                    return self._finish(SendOutcome.GAVE_UP, error, attempts)
            except TelegramForbiddenError as exc:
                return self._finish(SendOutcome.FORBIDDEN, exc.message, attempts)
            except (TelegramBadRequest, TelegramEntityTooLarge) as exc:
                # 413 is a TelegramNetworkError in aiogram, but resending cannot help
                return self._finish(SendOutcome.BAD_REQUEST, exc.message, attempts)
            except (TelegramServerError, TelegramNetworkError, TimeoutError) as exc:
                transient += 1
                if transient >= self._max_attempts:
                    return self._finish(SendOutcome.GAVE_UP, _describe(exc), attempts)
                self.stats.retried += 1
                await self._nap(self._backoff(transient - 1))
            else:
                self.stats.sent += 1
                return SendResult(SendOutcome.SENT, value, None, attempts)

    def _finish(self, outcome: SendOutcome, error: str, attempts: int) -> SendResult[T]:
        if outcome is SendOutcome.FORBIDDEN:
            self.stats.forbidden += 1
        elif outcome is SendOutcome.BAD_REQUEST:
            self.stats.bad_request += 1
        else:
            self.stats.gave_up += 1
        return SendResult(outcome, None, error, attempts)

    def _backoff(self, retry: int) -> float:
        nominal = min(self._base_backoff * 2.0**retry, self._max_backoff)
        return nominal * (1.0 - _JITTER * random.random())

    async def _acquire_start(self, chat_id: int) -> None:
        """Return at the moment this attempt may start, with that start recorded."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        chat.users += 1
        try:
            async with chat.lock:
                await self._sleep_until(lambda: chat.last_start + self._per_chat_interval)
                async with self._gate:
                    await self._take_slot()
                    chat.last_start = self._monotonic()
        finally:
            chat.users -= 1
        if len(self._chats) > self._prune_at:
            self._prune()

    async def _take_slot(self) -> None:
        """Sleep until this start's slot and record it (the caller holds the gate).

        The slot is recorded rather than the moment of waking, so a wake-up a little late
        shortens the next wait instead of delaying every later send for good. A wake-up
        half an interval late or more means the event loop stalled: a send released just
        before the stall may only be leaving now, so this one waits a full interval from
        now (once) and a new grid starts there. Lag therefore never turns into a burst,
        which a server counting any one second would see as one message too many.
        """
        arrived = self._monotonic()
        await self._sleep_until(self._next_slot)
        slot = max(self._next_slot(), arrived)
        if self._monotonic() - slot >= self._interval / 2:
            self._last_slot = self._monotonic()
            await self._sleep_until(self._next_slot)
            slot = self._monotonic()
        self._last_slot = slot

    def _next_slot(self) -> float:
        return max(self._last_slot + self._interval, self._paused_until)

    async def _sleep_until(self, deadline: Callable[[], float]) -> None:
        """Sleep until deadline(), re-read after every wake since it may have moved."""
        while not self._stopping and (delay := deadline() - self._monotonic()) > 0:
            await self._nap(delay)

    async def _nap(self, delay: float) -> None:
        """Sleep `delay` seconds, or until `stop()`."""
        if self._stopping:
            return
        nap = asyncio.ensure_future(self._sleep(delay))
        self._naps.add(nap)
        try:
            await nap
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self._stopping or (task is not None and task.cancelling()):
                raise  # our caller was cancelled, not our nap
        finally:
            self._naps.discard(nap)

    def _prune(self) -> None:
        """Forget chats nobody is sending to whose interval has passed."""
        horizon = self._monotonic() - self._per_chat_interval
        self._chats = {
            chat_id: chat
            for chat_id, chat in self._chats.items()
            if chat.users or chat.last_start > horizon
        }
        self._prune_at = max(_PRUNE_FLOOR, 2 * len(self._chats))


def _interval(rate_per_second: float) -> float:
    if not (rate_per_second > 0 and math.isfinite(rate_per_second)):
        raise ValueError(f"rate_per_second must be positive and finite, got {rate_per_second}")
    return 1.0 / rate_per_second


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TelegramAPIError):
        return exc.message
    return str(exc) or type(exc).__name__
