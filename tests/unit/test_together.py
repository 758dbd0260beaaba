"""together(): every step finishes before the first failure reaches the caller."""

from __future__ import annotations

import asyncio

import pytest

from core.concurrency import together


async def test_a_failing_step_waits_for_the_others_then_raises() -> None:
    finished: list[str] = []

    async def fails() -> None:
        raise RuntimeError("refused")

    async def slow() -> None:
        await asyncio.sleep(0.05)
        finished.append("slow")

    with pytest.raises(RuntimeError, match="refused"):
        await together(fails(), slow())
    assert finished == ["slow"]


async def test_steps_run_at_once() -> None:
    ready = asyncio.Event()

    async def waits_for_the_next() -> None:
        await ready.wait()  # one after another, this would wait forever

    async def sets() -> None:
        ready.set()

    await asyncio.wait_for(together(waits_for_the_next(), sets()), timeout=5)
