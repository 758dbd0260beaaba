"""The outbound gate on virtual time: pacing, replies before bulk, per-chat spacing for bulk,
429 holds, stops, and which Bot API calls it counts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, GetUpdates, SendMessage, TelegramMethod

from bot.process.outbound_gate import (
    OutboundGate,
    OutboundStopped,
    Priority,
    as_priority,
    counted,
)
from tests.virtual_time import EPS, Recorder, VirtualTime, gaps, retry_after

BULK, REPLY = Priority.BULK, Priority.REPLY


@pytest.fixture
def clock() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def rec(clock: VirtualTime) -> Recorder:
    return Recorder(clock)


def make_gate(clock: VirtualTime, **kwargs: Any) -> OutboundGate:
    kwargs.setdefault("rate_per_second", 10)
    return OutboundGate(monotonic=clock.monotonic, sleep=clock.sleep, **kwargs)


async def through(
    gate: OutboundGate,
    chat: int,
    call: Callable[[], Awaitable[str]],
    priority: Priority = BULK,
    method: TelegramMethod[Any] | None = None,
) -> str:
    """`call` made as the bot's session makes it: through the gate, at `priority`."""

    async def make_request(bot: Any, method: Any) -> str:
        return await call()

    with as_priority(priority):
        sent = method or SendMessage(chat_id=chat, text="x")
        return await gate(make_request, None, sent)  # type: ignore[arg-type,return-value]


async def all_through(
    gate: OutboundGate,
    calls: Sequence[tuple[int, Callable[[], Awaitable[str]]]],
    priority: Priority = BULK,
) -> list[str]:
    return list(await asyncio.gather(*(through(gate, c, call, priority) for c, call in calls)))


# --- pacing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("priority", [BULK, REPLY])
async def test_concurrent_calls_are_spaced_by_the_rate(
    clock: VirtualTime, rec: Recorder, priority: Priority
) -> None:
    gate = make_gate(clock, rate_per_second=10)
    calls = [(chat, rec.call(chat, value=f"m{chat}")) for chat in range(100)]

    results = await clock.run(all_through(gate, calls, priority))

    assert results == [f"m{chat}" for chat in range(100)]
    assert min(gaps(rec.times())) >= 0.1 - EPS
    # strict pacing without needless delay: the 100th start is at 9.9 s of virtual time
    assert max(rec.times()) == pytest.approx(9.9)
    assert gate.stats.sent[priority] == 100


async def test_any_one_second_window_holds_at_most_rate_starts(
    clock: VirtualTime, rec: Recorder
) -> None:
    gate = make_gate(clock, rate_per_second=7)
    await clock.run(all_through(gate, [(1, rec.call(1)) for _ in range(40)], REPLY))

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
    gate = make_gate(clock, rate_per_second=10)
    await clock.run(all_through(gate, [(chat, rec.call(chat)) for chat in range(100)]))

    times = sorted(rec.times())
    # slots stay on the 0.1 s grid: the last start is late by one oversleep, not by 99
    assert times[-1] == pytest.approx(9.9 + 0.03)
    assert all(t >= i * 0.1 - EPS for i, t in enumerate(times))


async def test_a_wake_up_half_an_interval_late_starts_a_new_grid() -> None:
    clock = LateWakingTime(lateness=0.06)  # more than half the 0.1 s interval
    rec = Recorder(clock)
    gate = make_gate(clock, rate_per_second=10)
    await clock.run(all_through(gate, [(chat, rec.call(chat)) for chat in range(20)]))

    # no catching up: each start is at least a full interval after the one before
    assert min(gaps(rec.times())) >= 0.1 + 0.06 - EPS


async def test_a_late_arrival_anchors_the_grid_without_a_burst(
    clock: VirtualTime, rec: Recorder
) -> None:
    gate = make_gate(clock, rate_per_second=10)
    await clock.run(through(gate, 1, rec.call(1)))
    await clock.advance_to(5.0)
    await clock.run(all_through(gate, [(chat, rec.call(chat)) for chat in range(2, 5)]))

    assert rec.times() == pytest.approx([0.0, 5.0, 5.1, 5.2])


async def test_sequential_calls_do_not_wait_when_the_slot_has_passed(
    clock: VirtualTime, rec: Recorder
) -> None:
    gate = make_gate(clock, rate_per_second=10)
    await clock.run(through(gate, 1, rec.call(1)))
    await clock.advance_to(5.0)
    await clock.run(through(gate, 2, rec.call(2)))

    assert rec.times() == [0.0, 5.0]
    assert clock.sleeps == []


async def test_set_rate_takes_effect_for_waiting_calls(clock: VirtualTime, rec: Recorder) -> None:
    gate = make_gate(clock, rate_per_second=1)

    async def scenario() -> None:
        batch = all_through(gate, [(c, rec.call(c)) for c in range(10)])
        waiting = asyncio.ensure_future(batch)
        await clock.sleep(2.5)  # three calls at 1/s have started by now
        gate.set_rate(10)
        await waiting

    await clock.run(scenario())

    times = sorted(rec.times())
    assert times[:3] == pytest.approx([0.0, 1.0, 2.0])
    # the gate asleep for the old slot wakes at 3.0, far behind the new grid: it starts
    # one new interval later, and the rest follow at the new rate
    assert times[3] == pytest.approx(3.1)
    assert gaps(times[3:]) == pytest.approx([0.1] * 6)


@pytest.mark.parametrize("rate", [0, -1, float("inf"), float("nan")])
def test_invalid_rate_is_refused(rate: float) -> None:
    with pytest.raises(ValueError):
        OutboundGate(rate_per_second=rate)
    gate = OutboundGate(rate_per_second=1)
    with pytest.raises(ValueError):
        gate.set_rate(rate)


# --- replies first --------------------------------------------------------------------------


async def test_a_reply_takes_the_next_slot_ahead_of_every_bulk_call(
    clock: VirtualTime, rec: Recorder
) -> None:
    gate = make_gate(clock, rate_per_second=10)

    async def scenario() -> None:
        backlog = asyncio.ensure_future(
            all_through(gate, [(c, rec.call(c)) for c in range(100, 120)])
        )
        await clock.sleep(0.25)  # bulk calls at 0.0, 0.1, 0.2 have started
        await through(gate, 1, rec.call(1), REPLY)
        await through(gate, 1, rec.call(1), REPLY)  # a reply's second call: no chat spacing
        await backlog

    await clock.run(scenario())

    assert rec.times(1) == pytest.approx([0.3, 0.4])
    assert sorted(rec.times())[-1] == pytest.approx(2.1)  # the bulk calls follow, none lost
    assert gate.stats.sent == {REPLY: 2, BULK: 20}


async def test_replies_keep_their_order_among_themselves(clock: VirtualTime, rec: Recorder) -> None:
    gate = make_gate(clock, rate_per_second=10)
    await clock.run(all_through(gate, [(c, rec.call(c)) for c in range(5)], REPLY))

    assert [chat for chat, _ in rec.starts] == [0, 1, 2, 3, 4]


# --- per chat, for bulk ---------------------------------------------------------------------


async def test_bulk_to_one_chat_is_spaced_and_other_chats_are_not_held_back(
    clock: VirtualTime, rec: Recorder
) -> None:
    gate = make_gate(clock, rate_per_second=100, per_chat_interval=1.0)
    calls = [(7, rec.call(7)) for _ in range(3)] + [(c, rec.call(c)) for c in range(1, 6)]

    await clock.run(all_through(gate, calls))

    assert rec.times(7) == pytest.approx([0.0, 1.0, 2.0])
    others = [t for c, t in rec.starts if c != 7]
    # the five other chats take the next global slots instead of waiting behind chat 7
    assert sorted(others) == pytest.approx([0.01, 0.02, 0.03, 0.04, 0.05])


async def test_per_chat_spacing_counts_from_the_actual_start(
    clock: VirtualTime, rec: Recorder
) -> None:
    # Chat 1 is ready at once but queues behind two chats for a global slot (start at 2.0);
    # its next call must count 1.5 s from then, not from when the first one was queued.
    gate = make_gate(clock, rate_per_second=1, per_chat_interval=1.5)
    calls = [(2, rec.call(2)), (3, rec.call(3)), (1, rec.call(1)), (1, rec.call(1))]

    await clock.run(all_through(gate, calls))

    assert rec.times(1) == pytest.approx([2.0, 3.5])


# --- 429 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("pause", [1, 35])  # Telegram has been seen asking for over 30 s
async def test_a_429_holds_every_call_exactly_that_long_then_the_refused_one_goes_first(
    clock: VirtualTime, rec: Recorder, pause: int
) -> None:
    gate = make_gate(clock, rate_per_second=10)
    calls = [(1, rec.call(1)), (2, rec.call(2, retry_after(pause))), (3, rec.call(3))]
    calls += [(c, rec.call(c)) for c in range(4, 8)]

    results = await clock.run(all_through(gate, calls, REPLY))

    assert results == ["ok"] * 7
    limited_at = rec.times(2)[0]
    assert limited_at == pytest.approx(0.1)
    assert rec.times(2)[1] == pytest.approx(limited_at + pause)  # first, exactly then
    later = [t for c, t in rec.starts if c != 2 and t > limited_at]
    assert min(later) == pytest.approx(limited_at + pause + 0.1)
    assert [c for c, t in rec.starts if t > limited_at] == [2, 3, 4, 5, 6, 7]
    assert gate.stats.rate_limited == 1 and gate.stats.held_seconds == pause


async def test_a_hold_holds_back_calls_that_arrive_later(clock: VirtualTime, rec: Recorder) -> None:
    gate = make_gate(clock, rate_per_second=10)

    async def scenario() -> None:
        limited = asyncio.ensure_future(through(gate, 2, rec.call(2, retry_after(4)), REPLY))
        await clock.sleep(1.0)  # chat 2 got its 429 at 0.0: held until 4.0
        await through(gate, 3, rec.call(3), REPLY)
        await limited

    await clock.run(scenario())
    assert rec.times(2) == pytest.approx([0.0, 4.0])
    assert rec.times(3)[0] == pytest.approx(4.1)  # the held call went first


async def test_too_many_429s_give_up_with_the_last_one(clock: VirtualTime, rec: Recorder) -> None:
    gate = make_gate(clock, rate_per_second=10, max_holds=3)
    call = rec.call(1, *(retry_after(2) for _ in range(10)))

    with pytest.raises(TelegramRetryAfter):
        await clock.run(through(gate, 1, call, REPLY))

    assert len(rec.starts) == 4
    assert min(gaps(rec.times(1))) >= 2 - EPS
    assert gate.stats.rate_limited == 4


async def test_a_call_cancelled_in_a_hold_leaves_the_gate_usable(
    clock: VirtualTime, rec: Recorder
) -> None:
    gate = make_gate(clock, rate_per_second=10)

    async def scenario() -> str:
        limited = asyncio.ensure_future(through(gate, 1, rec.call(1, retry_after(5))))
        await clock.sleep(1.0)
        limited.cancel()
        await asyncio.gather(limited, return_exceptions=True)
        return await through(gate, 2, rec.call(2))

    assert await clock.run(scenario()) == "ok"
    assert rec.times() == pytest.approx([0.0, 5.0])  # the hold outlives the cancelled call


# --- stops ----------------------------------------------------------------------------------


async def test_a_stop_of_bulk_fails_bulk_calls_not_begun_and_lets_replies_through(
    clock: VirtualTime, rec: Recorder
) -> None:
    gate = make_gate(clock, rate_per_second=1)

    async def scenario() -> list[Any]:
        queued = [asyncio.ensure_future(through(gate, c, rec.call(c))) for c in range(3)]
        await clock.sleep(0.5)  # bulk 0 started at 0.0
        reply = asyncio.ensure_future(through(gate, 9, rec.call(9), REPLY))
        await clock.sleep(0.1)  # the reply waits for the slot at 1.0
        gate.stop_bulk()
        done = await asyncio.gather(*queued, reply, return_exceptions=True)
        done.append(await asyncio.gather(through(gate, 4, rec.call(4)), return_exceptions=True))
        return done

    first, second, third, reply, later = await clock.run(scenario())
    assert first == "ok" and reply == "ok"
    for failed in (second, third, later[0]):
        assert isinstance(failed, OutboundStopped)
        assert "stopping" in failed.message
    assert [chat for chat, _ in rec.starts] == [0, 9]


async def test_a_full_stop_ends_every_wait_at_once(clock: VirtualTime, rec: Recorder) -> None:
    gate = make_gate(clock, rate_per_second=10)

    async def scenario() -> tuple[list[Any], float]:
        held = asyncio.ensure_future(through(gate, 1, rec.call(1, retry_after(35)), REPLY))
        queued = asyncio.ensure_future(through(gate, 2, rec.call(2), REPLY))
        await clock.sleep(1.0)
        gate.stop()
        return list(await asyncio.gather(held, queued, return_exceptions=True)), clock.now

    results, stopped_at = await clock.run(scenario())
    assert stopped_at == pytest.approx(1.0)  # nobody waited out the hold
    assert all(isinstance(result, TelegramNetworkError) for result in results)
    assert [chat for chat, _ in rec.starts] == [1]


# --- what is counted ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "is_counted"),
    [
        ("sendMessage", True),
        ("sendPhoto", True),
        ("sendDocument", True),
        ("editMessageText", True),
        ("editMessageReplyMarkup", True),
        ("copyMessage", True),
        ("forwardMessage", True),
        ("answerCallbackQuery", False),
        ("getUpdates", False),
        ("sendChatAction", False),
        ("setMyCommands", False),
        ("getMe", False),
    ],
)
def test_which_calls_telegram_counts(method: str, is_counted: bool) -> None:
    assert counted(method) is is_counted


async def test_calls_telegram_does_not_count_pass_without_waiting(
    clock: VirtualTime, rec: Recorder
) -> None:
    gate = make_gate(clock, rate_per_second=1)

    async def scenario() -> None:
        await through(gate, 1, rec.call(1))
        await through(gate, 2, rec.call(2), method=AnswerCallbackQuery(callback_query_id="q"))
        await through(gate, 3, rec.call(3), method=GetUpdates())

    await clock.run(scenario())
    assert rec.times() == [0.0, 0.0, 0.0]
    assert clock.sleeps == []


# --- bookkeeping ----------------------------------------------------------------------------


async def test_many_chats_do_not_accumulate_state(clock: VirtualTime, rec: Recorder) -> None:
    gate = make_gate(clock, rate_per_second=1000, per_chat_interval=0.5)
    for chat in range(2000):
        await clock.run(through(gate, chat, rec.call(chat)))

    assert gate.stats.sent[BULK] == 2000
    assert len(gate._chats) <= 2048  # only chats still inside their interval are kept
    assert gate.waiting == 0
