"""Virtual time for tests of pacing: a clock and a sleep that only the test moves on, and
fake Bot API calls that record when they started and fail as scripted."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage

METHOD = SendMessage(chat_id=1, text="x")
T = TypeVar("T")
EPS = 1e-9
_SETTLE_ROUNDS = 50  # loop turns that let every woken task run until it blocks again


class VirtualTime:
    """A clock plus a sleep that only returns when the test advances virtual time.

    run() drives a coroutine: it lets the event loop settle, then wakes the earliest sleeper
    and moves the clock to its deadline, so concurrent sleeps overlap as in real time.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(delay, 0.0), next(self._seq), future))
        await future

    async def settle(self) -> None:
        for _ in range(_SETTLE_ROUNDS):
            await asyncio.sleep(0)

    async def run(self, awaitable: Awaitable[T], max_wakeups: int = 100_000) -> T:
        task = asyncio.ensure_future(awaitable)
        try:
            for _ in range(max_wakeups):
                await self.settle()
                if task.done():
                    return task.result()
                await self.advance()
            raise AssertionError("virtual time ran away")
        finally:
            task.cancel()

    async def advance(self) -> None:
        """Wake the earliest live sleeper; a deadlock if nobody sleeps."""
        while self._sleepers:
            deadline, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                self.now = max(self.now, deadline)
                future.set_result(None)
                return
        raise AssertionError("deadlock: nothing is sleeping and the work is not done")

    async def advance_to(self, moment: float) -> None:
        """Wake every sleeper due by `moment`, then set the clock to it."""
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= moment:
            await self.advance()
            await self.settle()
        self.now = max(self.now, moment)


class Recorder:
    """Fake Bot API calls that log (chat_id, start time) and fail as scripted."""

    def __init__(self, clock: VirtualTime) -> None:
        self.clock = clock
        self.starts: list[tuple[int, float]] = []

    def call(
        self, chat_id: int, *failures: BaseException, value: str = "ok"
    ) -> Callable[[], Coroutine[Any, Any, str]]:
        """A call that raises `failures` one per attempt, then returns `value`."""
        pending: Iterator[BaseException] = iter(failures)

        async def attempt() -> str:
            self.starts.append((chat_id, self.clock.now))
            failure = next(pending, None)
            if failure is not None:
                raise failure
            return value

        return attempt

    def times(self, chat_id: int | None = None) -> list[float]:
        return [t for c, t in self.starts if chat_id is None or c == chat_id]


def retry_after(seconds: int) -> TelegramRetryAfter:
    return TelegramRetryAfter(
        method=METHOD, message=f"Too Many Requests: retry after {seconds}", retry_after=seconds
    )


def forbidden() -> TelegramForbiddenError:
    return TelegramForbiddenError(method=METHOD, message="Forbidden: bot was blocked by the user")


def bad_request() -> TelegramBadRequest:
    return TelegramBadRequest(method=METHOD, message="Bad Request: chat not found")


def server_error() -> TelegramServerError:
    return TelegramServerError(method=METHOD, message="Internal Server Error")


def network_error() -> TelegramNetworkError:
    return TelegramNetworkError(method=METHOD, message="Request timeout error")


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in itertools.pairwise(ordered)]
