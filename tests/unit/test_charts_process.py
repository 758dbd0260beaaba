"""The digest chart drawn in a child process: the same picture as in-process, and a failure
or a hang is an error the caller sees, with no process left behind."""

from __future__ import annotations

import asyncio
import sys

import pytest

from analytics.chart import render_weekly_chart
from bot import charts
from tests.unit.test_chart import weeks


async def test_the_child_draws_the_same_picture_as_the_bot_would() -> None:
    points = weeks(12)
    picture = await charts.draw_weekly_chart(points, "ru")
    assert picture == render_weekly_chart(points, "ru")


async def test_a_failing_child_is_a_chart_error_with_its_last_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(charts, "WORKER", "analytics.no_such_worker")
    with pytest.raises(charts.ChartError, match=r"exited with 1.*No module named"):
        await charts.draw_weekly_chart(weeks(3), "en")


async def test_a_hung_child_is_killed_at_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "WORKER", "this.module.is.not.run")
    monkeypatch.setattr(charts, "CHART_TIMEOUT_SECONDS", 0.5)
    spawned: list[asyncio.subprocess.Process] = []
    real_exec = asyncio.create_subprocess_exec

    async def sleeping_child(*args: object, **kwargs: object) -> asyncio.subprocess.Process:
        process = await real_exec(sys.executable, "-c", "import time; time.sleep(60)", **kwargs)
        spawned.append(process)
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", sleeping_child)
    with pytest.raises(TimeoutError):
        await charts.draw_weekly_chart(weeks(3), "en")
    assert spawned[0].returncode is not None  # killed and reaped, not left running
