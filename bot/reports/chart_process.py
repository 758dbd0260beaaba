"""The digest's chart, drawn in a short-lived child process.

matplotlib with numpy takes tens of megabytes once imported, and Python never gives that
memory back: drawn in the bot's own process, the first digest would keep the bot that much
larger for the rest of its life. A child process starts, imports and draws in about a
second, and a digest goes out once a week (or on /digest), so the bot's own footprint stays
what its work needs. Most of that second is the import, so the child is started before its
weeks are known and imports while the bot is still computing them (and the digest's
figures).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from analytics.chart import WeekPoint
from analytics.chart_worker import request
from bot.process.child_process import python_child

CHART_TIMEOUT_SECONDS = 60.0
WORKER = ("-m", "analytics.chart_worker")
"""The child's arguments to `python`."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ChartError(Exception):
    """The child process failed, timed out or gave no picture."""


async def draw_weekly_chart(
    weeks: Callable[[], Awaitable[Sequence[WeekPoint]]], language: str
) -> bytes:
    """PNG bytes of the digest picture, drawn by `python -m analytics.chart_worker`.

    `weeks` is called once the child is running: the child imports matplotlib meanwhile.
    """
    async with (
        python_child(WORKER, takes_input=True) as child,
        asyncio.timeout(CHART_TIMEOUT_SECONDS),
    ):
        asked = request(list(await weeks()), language)
        drawn = await child.finish(asked)
    if drawn.returncode != 0 or not drawn.output.startswith(PNG_SIGNATURE):
        raise ChartError(f"the chart process exited with {drawn.returncode}: {drawn.last_words()}")
    return drawn.output
