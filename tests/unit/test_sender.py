"""RateLimitedSender on virtual time: pacing, per-chat spacing, 429 pauses, retries."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage

from bot.process.sender import RateLimitedSender, SenderStats, SendOutcome, SendResult

T = TypeVar("T")
EPS = 1e-9
METHOD = SendMessage(chat_id=1, text="x")
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


@pytest.fixture
def clock() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def rec(clock: VirtualTime) -> Recorder:
    return Recorder(clock)


def make_sender(clock: VirtualTime, **kwargs: Any) -> RateLimitedSender:
    kwargs.setdefault("rate_per_second", 10)
    return RateLimitedSender(monotonic=clock.monotonic, sleep=clock.sleep, **kwargs)


async def send_all(
    sender: RateLimitedSender, calls: Sequence[tuple[int, Callable[[], Awaitable[str]]]]
) -> list[SendResult[str]]:
    return list(await asyncio.gather(*(sender.send(chat, call) for chat, call in calls)))


# --- pacing ---------------------------------------------------------------------------------


async def test_concurrent_sends_are_spaced_by_the_rate(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, rate_per_second=10)
    calls = [(chat, rec.call(chat, value=f"m{chat}")) for chat in range(100)]

    results = await clock.run(send_all(sender, calls))

    assert [r.outcome for r in results] == [SendOutcome.SENT] * 100
    assert [r.value for r in results] == [f"m{chat}" for chat in range(100)]
    assert all(r.attempts == 1 and r.error is None for r in results)
    assert len(rec.starts) == 100
    assert min(gaps(rec.times())) >= 0.1 - EPS
    # strict pacing without needless delay: the 100th start is at 9.9 s of virtual time
    assert max(rec.times()) == pytest.approx(9.9)
    assert sender.stats == SenderStats(sent=100)


async def test_any_one_second_window_holds_at_most_rate_starts(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, rate_per_second=7, per_chat_interval=0)
    await clock.run(send_all(sender, [(1, rec.call(1)) for _ in range(40)]))

    times = sorted(rec.times())
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t < start + 1.0 - EPS]
        assert len(in_window) <= 7


class LateWakingTime(VirtualTime):
    """Every sleep oversleeps by `lateness`, like a busy event loop."""

    def __init__(self, lateness: float) -> None:
        super().__init__()
        self.lateness = lateness

    async def sleep(self, delay: float) -> None:
        await super().sleep(delay + self.lateness)


async def test_late_wake_ups_do_not_slow_the_rate_down() -> None:
    clock = LateWakingTime(lateness=0.03)  # 30% of the 0.1 s interval, on every sleep
    rec = Recorder(clock)
    sender = make_sender(clock, rate_per_second=10, per_chat_interval=0)
    await clock.run(send_all(sender, [(chat, rec.call(chat)) for chat in range(100)]))

    times = sorted(rec.times())
    # slots stay on the 0.1 s grid: the last start is late by one oversleep, not by 99
    assert times[-1] == pytest.approx(9.9 + 0.03)
    # and no start comes before its slot
    assert all(t >= i * 0.1 - EPS for i, t in enumerate(times))


async def test_a_wake_up_half_an_interval_late_starts_a_new_grid() -> None:
    clock = LateWakingTime(lateness=0.06)  # more than half the 0.1 s interval
    rec = Recorder(clock)
    sender = make_sender(clock, rate_per_second=10, per_chat_interval=0)
    await clock.run(send_all(sender, [(chat, rec.call(chat)) for chat in range(20)]))

    # no catching up: each start is at least a full interval after the one before
    assert min(gaps(rec.times())) >= 0.1 + 0.06 - EPS


async def test_a_late_arrival_anchors_the_grid_without_a_burst(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, rate_per_second=10, per_chat_interval=0)
    await clock.run(sender.send(1, rec.call(1)))
    await clock.advance_to(5.0)
    await clock.run(send_all(sender, [(chat, rec.call(chat)) for chat in range(2, 5)]))

    assert rec.times() == pytest.approx([0.0, 5.0, 5.1, 5.2])


async def test_sequential_sends_do_not_wait_when_the_slot_has_passed(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, rate_per_second=10)
    await clock.run(sender.send(1, rec.call(1)))
    await clock.advance_to(5.0)
    await clock.run(sender.send(2, rec.call(2)))

    assert rec.times() == [0.0, 5.0]
    assert clock.sleeps == []


async def test_set_rate_takes_effect_for_waiting_sends(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, rate_per_second=1)

    async def scenario() -> list[SendResult[str]]:
        batch = asyncio.gather(*(sender.send(c, rec.call(c)) for c in range(10)))
        await clock.sleep(2.5)  # three sends at 1/s have started by now
        sender.set_rate(10)
        return list(await batch)

    results = await clock.run(scenario())

    assert all(r.outcome is SendOutcome.SENT for r in results)
    times = sorted(rec.times())
    assert times[:3] == pytest.approx([0.0, 1.0, 2.0])
    # the holder asleep for the old slot wakes at 3.0, far behind the new grid: it starts
    # one new interval later, and the rest follow at the new rate
    assert times[3] == pytest.approx(3.1)
    assert gaps(times[3:]) == pytest.approx([0.1] * 6)


async def test_set_rate_lower_slows_down_queued_sends(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, rate_per_second=10)

    async def scenario() -> None:
        batch = asyncio.gather(*(sender.send(c, rec.call(c)) for c in range(6)))
        await clock.sleep(0.25)  # three sends have started, the fourth is asleep in the gate
        sender.set_rate(0.5)
        await batch

    await clock.run(scenario())

    times = sorted(rec.times())
    assert times[:3] == pytest.approx([0.0, 0.1, 0.2])
    assert min(gaps(times[2:])) >= 2.0 - EPS


@pytest.mark.parametrize("rate", [0, -1, float("inf"), float("nan")])
def test_invalid_rate_is_refused(rate: float) -> None:
    with pytest.raises(ValueError):
        RateLimitedSender(rate_per_second=rate)
    sender = RateLimitedSender(rate_per_second=1)
    with pytest.raises(ValueError):
        sender.set_rate(rate)


def test_invalid_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimitedSender(rate_per_second=1, max_attempts=0)
    with pytest.raises(ValueError):
        RateLimitedSender(rate_per_second=1, per_chat_interval=-1)


# --- per chat -------------------------------------------------------------------------------


async def test_same_chat_is_spaced_and_other_chats_are_not_held_back(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, rate_per_second=100, per_chat_interval=1.0)
    calls = [(7, rec.call(7)) for _ in range(3)] + [(c, rec.call(c)) for c in range(1, 6)]

    results = await clock.run(send_all(sender, calls))

    assert all(r.outcome is SendOutcome.SENT for r in results)
    busy = rec.times(7)
    assert busy == pytest.approx([0.0, 1.0, 2.0])
    others = [t for c, t in rec.starts if c != 7]
    # the five other chats take the next global slots instead of waiting behind chat 7
    assert sorted(others) == pytest.approx([0.01, 0.02, 0.03, 0.04, 0.05])
    assert min(gaps(rec.times())) >= 0.01 - EPS


async def test_per_chat_spacing_counts_from_the_actual_start(
    clock: VirtualTime, rec: Recorder
) -> None:
    # Chat 1 is ready at once but queues behind two chats for a global slot (start at 2.0);
    # its next send must count 1.5 s from then, not from when the first one was queued.
    sender = make_sender(clock, rate_per_second=1, per_chat_interval=1.5)
    calls = [(2, rec.call(2)), (3, rec.call(3)), (1, rec.call(1)), (1, rec.call(1))]

    await clock.run(send_all(sender, calls))

    assert rec.times(1) == pytest.approx([2.0, 3.5])
    assert min(gaps(rec.times())) >= 1.0 - EPS


# --- 429 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("pause", [5, 35])  # Telegram has been seen asking for over 30 s
async def test_retry_after_pauses_every_send_then_retries(
    clock: VirtualTime, rec: Recorder, pause: int
) -> None:
    sender = make_sender(clock, rate_per_second=10)
    calls = [(1, rec.call(1)), (2, rec.call(2, retry_after(pause))), (3, rec.call(3))]
    calls += [(c, rec.call(c)) for c in range(4, 8)]

    results = await clock.run(send_all(sender, calls))

    assert [r.outcome for r in results] == [SendOutcome.SENT] * 7
    assert results[1].attempts == 2
    assert results[1].value == "ok"
    limited_at = rec.times(2)[0]
    assert limited_at == pytest.approx(0.1)
    later = [t for t in rec.times() if t > limited_at]
    assert min(later) >= limited_at + pause - EPS
    assert rec.times(2)[1] >= limited_at + pause - EPS
    assert sender.stats == SenderStats(sent=7, rate_limited=1)


async def test_pause_holds_back_sends_that_arrive_later(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, rate_per_second=10)

    first = await clock.run(sender.send(1, rec.call(1, retry_after(3))))
    assert first.outcome is SendOutcome.SENT
    assert rec.times(1) == pytest.approx([0.0, 3.0])

    async def pause_and_wait() -> None:
        limited = asyncio.ensure_future(sender.send(2, rec.call(2, retry_after(4))))
        await clock.sleep(1.0)  # chat 2 got its 429 at 3.1: paused until 7.1
        newcomer = await sender.send(3, rec.call(3))
        assert newcomer.outcome is SendOutcome.SENT
        assert (await limited).outcome is SendOutcome.SENT

    await clock.run(pause_and_wait())
    assert rec.times(2)[0] == pytest.approx(3.1)
    assert rec.times(3)[0] >= 7.1 - EPS
    assert rec.times(2)[1] >= 7.1 - EPS


async def test_stop_ends_every_wait_and_lets_nothing_new_start(
    clock: VirtualTime, rec: Recorder
) -> None:
    """A stop in a 35 s pause: the limited send, a queued one and one in its backoff give
    up at once, untried beyond what they had tried; a send after the stop is not tried."""
    sender = make_sender(clock, rate_per_second=10)

    async def scenario() -> tuple[list[SendResult[str]], float]:
        backing_off = asyncio.ensure_future(sender.send(1, rec.call(1, server_error())))
        limited = asyncio.ensure_future(sender.send(2, rec.call(2, retry_after(35))))
        queued = asyncio.ensure_future(sender.send(3, rec.call(3)))
        await clock.sleep(1.0)
        sender.stop()
        results = await asyncio.gather(backing_off, limited, queued)
        stopped_at = clock.now
        results.append(await sender.send(4, rec.call(4)))
        return results, stopped_at

    results, stopped_at = await clock.run(scenario())
    assert stopped_at == pytest.approx(1.0)  # nobody waited out the pause
    assert [r.outcome for r in results] == [SendOutcome.STOPPED] * 4
    assert {r.error for r in results} == {"the bot is stopping"}
    assert [r.attempts for r in results] == [1, 1, 0, 0]
    assert [len(rec.times(chat)) for chat in (1, 2, 3, 4)] == [1, 1, 0, 0]


async def test_too_many_429s_give_up(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, rate_per_second=10, max_rate_limited=3)
    call = rec.call(1, *(retry_after(2) for _ in range(10)))

    result = await clock.run(sender.send(1, call))

    assert result.outcome is SendOutcome.GAVE_UP
    assert result.attempts == 4
    assert result.value is None
    assert result.error == "Too Many Requests: retry after 2"
    assert min(gaps(rec.times(1))) >= 2 - EPS
    assert sender.stats == SenderStats(rate_limited=4, gave_up=1)


async def test_429s_do_not_use_up_the_transient_retries(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, max_attempts=2, max_rate_limited=5)
    call = rec.call(1, retry_after(1), server_error(), retry_after(1))

    result = await clock.run(sender.send(1, call))

    assert result.outcome is SendOutcome.SENT
    assert result.attempts == 4
    assert sender.stats == SenderStats(sent=1, rate_limited=2, retried=1)


# --- failures that are never retried --------------------------------------------------------


async def test_forbidden_is_not_retried(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock)

    result = await clock.run(sender.send(1, rec.call(1, forbidden())))

    assert result == SendResult(
        SendOutcome.FORBIDDEN, None, "Forbidden: bot was blocked by the user", 1
    )
    assert len(rec.starts) == 1
    assert sender.stats == SenderStats(forbidden=1)


async def test_bad_request_is_not_retried(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock)
    too_large = TelegramEntityTooLarge(method=METHOD, message="Request Entity Too Large")

    chat_not_found = await clock.run(sender.send(1, rec.call(1, bad_request())))
    entity = await clock.run(sender.send(2, rec.call(2, too_large)))

    assert chat_not_found == SendResult(
        SendOutcome.BAD_REQUEST, None, "Bad Request: chat not found", 1
    )
    assert entity.outcome is SendOutcome.BAD_REQUEST and entity.attempts == 1
    assert len(rec.starts) == 2
    assert sender.stats == SenderStats(bad_request=2)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        TelegramUnauthorizedError(method=METHOD, message="Unauthorized"),
    ],
)
async def test_other_exceptions_propagate(
    clock: VirtualTime, rec: Recorder, error: Exception
) -> None:
    sender = make_sender(clock)

    with pytest.raises(type(error)):
        await clock.run(sender.send(1, rec.call(1, error)))

    assert len(rec.starts) == 1
    assert sender.stats == SenderStats()
    after = await clock.run(sender.send(1, rec.call(1)))  # the sender is still usable
    assert after.outcome is SendOutcome.SENT


# --- transient failures ---------------------------------------------------------------------


async def test_transient_errors_are_retried_with_backoff(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, rate_per_second=1000, per_chat_interval=0, base_backoff=1.0)
    call = rec.call(1, server_error(), network_error(), TimeoutError())

    result = await clock.run(sender.send(1, call))

    assert result.outcome is SendOutcome.SENT
    assert result.attempts == 4
    waits = gaps(rec.times(1))
    for wait, nominal in zip(waits, [1.0, 2.0, 4.0], strict=True):
        assert nominal * 0.9 - EPS <= wait <= nominal + EPS
    assert sender.stats == SenderStats(sent=1, retried=3)


async def test_transient_errors_give_up_after_max_attempts(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(
        clock, rate_per_second=1000, max_attempts=5, base_backoff=10.0, max_backoff=25.0
    )
    call = rec.call(1, *(server_error() for _ in range(20)))

    result = await clock.run(sender.send(1, call))

    assert result.outcome is SendOutcome.GAVE_UP
    assert result.attempts == 5
    assert result.error == "Internal Server Error"
    assert len(rec.starts) == 5
    waits = gaps(rec.times(1))
    for wait, nominal in zip(waits, [10.0, 20.0, 25.0, 25.0], strict=True):
        assert nominal * 0.9 - EPS <= wait <= nominal + EPS
    assert sender.stats == SenderStats(retried=4, gave_up=1)


async def test_timeout_gives_up_with_a_description(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, max_attempts=1)

    result = await clock.run(sender.send(1, rec.call(1, TimeoutError())))

    assert result == SendResult(SendOutcome.GAVE_UP, None, "TimeoutError", 1)
    assert sender.stats == SenderStats(gave_up=1)


async def test_backoff_does_not_hold_back_other_chats(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, rate_per_second=10, base_backoff=5.0)
    calls = [(1, rec.call(1, network_error()))] + [(c, rec.call(c)) for c in range(2, 6)]

    await clock.run(send_all(sender, calls))

    assert sorted(t for c, t in rec.starts if c != 1) == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert rec.times(1)[1] >= 4.5 - EPS


# --- cancellation ---------------------------------------------------------------------------


async def test_cancelled_waiting_send_leaves_the_sender_usable(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, rate_per_second=1)

    async def scenario() -> list[SendResult[str]]:
        first = asyncio.ensure_future(sender.send(1, rec.call(1)))
        queued = asyncio.ensure_future(sender.send(2, rec.call(2)))  # asleep in the gate
        behind = asyncio.ensure_future(sender.send(3, rec.call(3)))  # waiting for the gate
        same_chat = asyncio.ensure_future(sender.send(1, rec.call(1)))  # in chat 1's gate
        await clock.sleep(0.5)
        queued.cancel()
        same_chat.cancel()
        await asyncio.gather(queued, same_chat, return_exceptions=True)
        assert queued.cancelled() and same_chat.cancelled()
        return [await first, await behind, await sender.send(1, rec.call(1))]

    results = await clock.run(scenario())

    assert all(r.outcome is SendOutcome.SENT for r in results)
    assert [c for c, _ in rec.starts] == [1, 3, 1]
    assert rec.times() == pytest.approx([0.0, 1.0, 2.0])
    assert sender.stats == SenderStats(sent=3)


async def test_cancelled_in_flight_send_leaves_the_sender_usable(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, rate_per_second=10)

    async def hangs() -> str:
        rec.starts.append((1, clock.now))
        await clock.sleep(3600)
        return "never"

    async def scenario() -> SendResult[str]:
        stuck = asyncio.ensure_future(sender.send(1, hangs))
        await clock.sleep(0.05)
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
        return await sender.send(1, rec.call(1))

    result = await clock.run(scenario())

    assert result.outcome is SendOutcome.SENT
    assert rec.times(1) == pytest.approx([0.0, 1.0])  # the per-chat interval still holds


async def test_cancelled_during_429_pause_leaves_the_sender_usable(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, rate_per_second=10)

    async def scenario() -> SendResult[str]:
        limited = asyncio.ensure_future(sender.send(1, rec.call(1, retry_after(5))))
        await clock.sleep(1.0)
        limited.cancel()
        await asyncio.gather(limited, return_exceptions=True)
        return await sender.send(2, rec.call(2))

    result = await clock.run(scenario())

    assert result.outcome is SendOutcome.SENT
    assert rec.times() == pytest.approx([0.0, 5.0])  # the pause outlives the cancelled send
    assert sender.stats == SenderStats(sent=1, rate_limited=1)


# --- bookkeeping ----------------------------------------------------------------------------


async def test_many_chats_do_not_accumulate_state(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, rate_per_second=1000, per_chat_interval=0.5)
    for chat in range(2000):
        await clock.run(sender.send(chat, rec.call(chat)))

    assert sender.stats.sent == 2000
    # only chats still inside their interval are remembered after a sweep
    assert len(sender._chats) <= 2048
