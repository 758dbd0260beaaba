"""Work beside the updates: a stop asks it to give up, then cancels what does not."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.process.background import Background


async def test_a_stop_waits_for_work_that_gives_up_and_cancels_work_that_does_not() -> None:
    background, finished = Background(), []

    async def polite() -> None:  # as an export does: it waits on `stopping` beside its child
        await background.stopping.wait()
        finished.append("polite")

    async def deaf() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            finished.append("deaf cancelled")
            raise

    background.start(polite(), "polite")
    background.start(deaf(), "deaf")
    await asyncio.sleep(0.05)
    async with asyncio.timeout(5):
        await background.stop(grace=0.3)
    assert sorted(finished) == ["deaf cancelled", "polite"]


async def test_a_failure_is_logged_with_its_name(caplog: pytest.LogCaptureFixture) -> None:
    background = Background()

    async def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR):
        background.start(broken(), "export")
        await background.stop(grace=1)
    [failure] = [r.getMessage() for r in caplog.records]
    assert failure.startswith("export failed with RuntimeError at\n")


async def test_no_work_starts_once_stopping() -> None:
    background, ran = Background(), []

    async def late() -> None:
        ran.append("late")

    await background.stop(grace=1)
    assert background.start(late(), "export") is False
    await asyncio.sleep(0)
    assert ran == []
