"""Delivery of work nobody is waiting on at this moment, with its failures sorted out.

The scheduler's surveys and reminders, digests, alert copies and owner notices go through
`BulkSender.send`: the call is made at bulk priority (the outbound gate paces it behind
every reply, one per chat per second, and waits out 429s), a transient failure (5xx, a
lost connection, a timeout) is tried again with a growing pause, and the outcome says what
became of it, so the caller knows whether what it was for is done, refused for good, or
still owed. `stop()` ends every pause at once: a stop never waits out a backoff.
"""

from __future__ import annotations

import asyncio
import random
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

from bot.process.naps import Naps
from bot.process.outbound_gate import OutboundStopped, bulk

__all__ = ["BulkSender", "SendOutcome", "SendResult", "SenderStats"]

T = TypeVar("T")

_JITTER = 0.1
"""A backoff sleeps between (1 - _JITTER) and 1 times its nominal delay, never above the cap."""


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
    retried: int = 0  # retries after 5xx/network errors
    forbidden: int = 0
    bad_request: int = 0
    gave_up: int = 0


class BulkSender:
    def __init__(
        self,
        *,
        max_attempts: int = 4,
        base_backoff: float = 1.0,
        max_backoff: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if base_backoff < 0 or max_backoff < 0:
            raise ValueError("backoffs must not be negative")
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self._max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._stopping = False
        self._naps = Naps(sleep)
        self.stats = SenderStats()

    def stop(self) -> None:
        """From now on nothing new is tried: a send in its backoff returns STOPPED at once;
        calls already made finish."""
        self._stopping = True
        self._naps.wake_all()

    async def send(self, call: Callable[[], Awaitable[T]]) -> SendResult[T]:
        """Make `call` at bulk priority, trying again after transient failures.

        `attempts` counts every invocation of `call`. 429s are the gate's to wait out; one
        that comes through (the gate gave up holding) is a give-up.
        """
        attempts = transient = 0
        with bulk():
            while True:
                if self._stopping:
                    return self._finish(SendOutcome.STOPPED, "the bot is stopping", attempts)
                attempts += 1
                try:
                    value = await call()
                except OutboundStopped:  # the gate never made it: not tried, still owed
                    return self._finish(SendOutcome.STOPPED, "the bot is stopping", attempts - 1)
                except TelegramRetryAfter as exc:
                    return self._finish(SendOutcome.GAVE_UP, exc.message, attempts)
                except TelegramForbiddenError as exc:
                    return self._finish(SendOutcome.FORBIDDEN, exc.message, attempts)
                except (TelegramBadRequest, TelegramEntityTooLarge) as exc:
                    # 413 is a TelegramNetworkError in aiogram, but resending cannot help
                    return self._finish(SendOutcome.BAD_REQUEST, exc.message, attempts)
                except (TelegramServerError, TelegramNetworkError, TimeoutError) as exc:
                    transient += 1
                    if transient >= self._max_attempts or self._stopping:
                        outcome = SendOutcome.STOPPED if self._stopping else SendOutcome.GAVE_UP
                        return self._finish(outcome, _describe(exc), attempts)
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

    async def _nap(self, delay: float) -> None:
        """Sleep `delay` seconds, or until `stop()`."""
        if not self._stopping:
            await self._naps.nap(delay)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TelegramAPIError):
        return exc.message
    return str(exc) or type(exc).__name__
