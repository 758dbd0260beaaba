"""BulkSender on virtual time: bulk priority, outcomes, retries of transient failures, stops."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.exceptions import TelegramEntityTooLarge, TelegramUnauthorizedError

from bot.process.bulk_sender import BulkSender, SenderStats, SendOutcome, SendResult
from bot.process.outbound_gate import OutboundStopped, Priority, _priority, replying
from tests.virtual_time import (
    EPS,
    METHOD,
    Recorder,
    VirtualTime,
    bad_request,
    forbidden,
    gaps,
    network_error,
    retry_after,
    server_error,
)


@pytest.fixture
def clock() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def rec(clock: VirtualTime) -> Recorder:
    return Recorder(clock)


def make_sender(clock: VirtualTime, **kwargs: Any) -> BulkSender:
    return BulkSender(sleep=clock.sleep, **kwargs)


async def test_the_call_is_bulk_even_from_a_reply(clock: VirtualTime) -> None:
    sender = make_sender(clock)
    seen: list[Priority] = []

    async def call() -> str:
        seen.append(_priority.get())
        return "ok"

    with replying():
        result = await clock.run(sender.send(call))
        assert _priority.get() is Priority.REPLY  # and the caller's own priority is kept

    assert result == SendResult(SendOutcome.SENT, "ok", None, 1)
    assert seen == [Priority.BULK]
    assert sender.stats == SenderStats(sent=1)


# --- failures that are never retried --------------------------------------------------------


async def test_forbidden_is_not_retried(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock)

    result = await clock.run(sender.send(rec.call(1, forbidden())))

    assert result == SendResult(
        SendOutcome.FORBIDDEN, None, "Forbidden: bot was blocked by the user", 1
    )
    assert len(rec.starts) == 1
    assert sender.stats == SenderStats(forbidden=1)


async def test_bad_request_is_not_retried(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock)
    too_large = TelegramEntityTooLarge(method=METHOD, message="Request Entity Too Large")

    chat_not_found = await clock.run(sender.send(rec.call(1, bad_request())))
    entity = await clock.run(sender.send(rec.call(2, too_large)))

    assert chat_not_found == SendResult(
        SendOutcome.BAD_REQUEST, None, "Bad Request: chat not found", 1
    )
    assert entity.outcome is SendOutcome.BAD_REQUEST and entity.attempts == 1
    assert sender.stats == SenderStats(bad_request=2)


async def test_a_429_the_gate_gave_up_on_is_a_give_up(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock)

    result = await clock.run(sender.send(rec.call(1, retry_after(3))))

    assert result.outcome is SendOutcome.GAVE_UP and result.attempts == 1
    assert result.error is not None and "retry after 3" in result.error


@pytest.mark.parametrize(
    "error",
    [ValueError("a bug"), TelegramUnauthorizedError(method=METHOD, message="Unauthorized")],
)
async def test_other_exceptions_propagate(
    clock: VirtualTime, rec: Recorder, error: Exception
) -> None:
    sender = make_sender(clock)

    with pytest.raises(type(error)):
        await clock.run(sender.send(rec.call(1, error)))

    assert sender.stats == SenderStats()
    after = await clock.run(sender.send(rec.call(1)))  # the sender is still usable
    assert after.outcome is SendOutcome.SENT


# --- transient failures ---------------------------------------------------------------------


async def test_transient_errors_are_retried_with_backoff(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, base_backoff=1.0)
    call = rec.call(1, server_error(), network_error(), TimeoutError())

    result = await clock.run(sender.send(call))

    assert result.outcome is SendOutcome.SENT
    assert result.attempts == 4
    for wait, nominal in zip(gaps(rec.times(1)), [1.0, 2.0, 4.0], strict=True):
        assert nominal * 0.9 - EPS <= wait <= nominal + EPS
    assert sender.stats == SenderStats(sent=1, retried=3)


async def test_transient_errors_give_up_after_max_attempts(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, max_attempts=5, base_backoff=10.0, max_backoff=25.0)
    call = rec.call(1, *(server_error() for _ in range(20)))

    result = await clock.run(sender.send(call))

    assert result.outcome is SendOutcome.GAVE_UP
    assert result.attempts == 5
    assert result.error == "Internal Server Error"
    for wait, nominal in zip(gaps(rec.times(1)), [10.0, 20.0, 25.0, 25.0], strict=True):
        assert nominal * 0.9 - EPS <= wait <= nominal + EPS
    assert sender.stats == SenderStats(retried=4, gave_up=1)


async def test_timeout_gives_up_with_a_description(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, max_attempts=1)

    result = await clock.run(sender.send(rec.call(1, TimeoutError())))

    assert result == SendResult(SendOutcome.GAVE_UP, None, "TimeoutError", 1)


def test_invalid_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        BulkSender(max_attempts=0)
    with pytest.raises(ValueError):
        BulkSender(base_backoff=-1)


# --- stops and cancellation -----------------------------------------------------------------


async def test_a_stop_ends_every_backoff_and_nothing_new_is_tried(
    clock: VirtualTime, rec: Recorder
) -> None:
    sender = make_sender(clock, base_backoff=30.0)

    async def scenario() -> tuple[list[SendResult[str]], float]:
        backing_off = asyncio.ensure_future(sender.send(rec.call(1, server_error())))
        await clock.sleep(1.0)
        sender.stop()
        results = [await backing_off, await sender.send(rec.call(2))]
        return results, clock.now

    results, stopped_at = await clock.run(scenario())
    assert stopped_at == pytest.approx(1.0)  # nobody waited out the backoff
    assert [r.outcome for r in results] == [SendOutcome.STOPPED] * 2
    assert [r.attempts for r in results] == [1, 0]
    assert [len(rec.times(chat)) for chat in (1, 2)] == [1, 0]


async def test_a_cancelled_send_leaves_the_sender_usable(clock: VirtualTime, rec: Recorder) -> None:
    sender = make_sender(clock, base_backoff=5.0)

    async def scenario() -> SendResult[str]:
        backing_off = asyncio.ensure_future(sender.send(rec.call(1, network_error())))
        await clock.sleep(1.0)
        backing_off.cancel()
        await asyncio.gather(backing_off, return_exceptions=True)
        assert backing_off.cancelled()
        return await sender.send(rec.call(2))

    result = await clock.run(scenario())
    assert result.outcome is SendOutcome.SENT


async def test_a_call_the_stopping_gate_never_made_counts_as_not_tried(
    clock: VirtualTime, rec: Recorder
) -> None:
    """So the survey it was for goes back to the queue as it was, and the next start sends
    it at once (not after SEND_AGAIN_AFTER, as one Telegram failed would be)."""
    sender = make_sender(clock)
    stopped = OutboundStopped(METHOD, "not sent: the bot is stopping")

    result = await clock.run(sender.send(rec.call(1, stopped)))

    assert result.outcome is SendOutcome.STOPPED and result.attempts == 0
