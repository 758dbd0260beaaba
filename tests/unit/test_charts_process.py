"""The digest chart drawn in a child process: the same picture as in-process, and a failure
or a hang is an error the caller sees, with no process left behind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from analytics.chart import WeekPoint, render_weekly_chart
from bot.reports import chart_process as charts
from tests.helpers import child_processes, sleeping_children
from tests.unit.test_chart import weeks


def known(count: int) -> Callable[[], Awaitable[list[WeekPoint]]]:
    async def points() -> list[WeekPoint]:
        return weeks(count)

    return points


async def test_the_child_draws_the_same_picture_as_the_bot_would() -> None:
    picture = await charts.draw_weekly_chart(known(12), "ru")
    assert picture == render_weekly_chart(weeks(12), "ru")


async def test_the_child_is_running_before_the_weeks_are_asked_for() -> None:
    started: list[int] = []

    async def slow_weeks() -> list[WeekPoint]:
        started.extend(child_processes(*charts.WORKER))
        return weeks(3)

    picture = await charts.draw_weekly_chart(slow_weeks, "en")
    assert picture.startswith(charts.PNG_SIGNATURE)
    assert len(started) == 1  # the child was already importing matplotlib
    assert child_processes(*charts.WORKER) == []


async def test_weeks_that_fail_leave_no_child_behind() -> None:
    async def failing_weeks() -> list[WeekPoint]:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        await charts.draw_weekly_chart(failing_weeks, "en")
    assert child_processes(*charts.WORKER) == []


async def test_a_failing_child_is_a_chart_error_with_its_last_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(charts, "WORKER", ("-m", "analytics.no_such_worker"))
    with pytest.raises(charts.ChartError, match=r"exited with 1.*No module named"):
        await charts.draw_weekly_chart(known(3), "en")


async def test_a_hung_child_is_killed_at_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "WORKER", ("-m", "this.module.is.not.run"))
    monkeypatch.setattr(charts, "CHART_TIMEOUT_SECONDS", 0.5)
    spawned = sleeping_children(monkeypatch)
    with pytest.raises(TimeoutError):
        await charts.draw_weekly_chart(known(3), "en")
    assert spawned[0].returncode is not None  # killed and reaped, not left running
