"""The digest's chart, drawn in a short-lived child process.

matplotlib with numpy takes ~57 MB once imported, and Python never gives that memory back:
drawn in the bot's own process, the first digest would keep the bot that much larger for
the rest of its life. A child process starts, imports and draws in about a second, and a
digest goes out once a week (or on /digest), so the bot's own footprint stays what its
work needs. Most of that second is the import, so the child is started before its weeks are
known and imports while the bot is still computing them (and the digest's figures).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

from analytics.chart import WeekPoint
from analytics.chart_worker import request

CHART_TIMEOUT_SECONDS = 60.0
WORKER = "analytics.chart_worker"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ChartError(Exception):
    """The child process failed, timed out or gave no picture."""


async def draw_weekly_chart(
    weeks: Callable[[], Awaitable[Sequence[WeekPoint]]], language: str
) -> bytes:
    """PNG bytes of the digest picture, drawn by `python -m analytics.chart_worker`.

    `weeks` is called once the child is running: the child imports matplotlib meanwhile.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        WORKER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(CHART_TIMEOUT_SECONDS):
            asked = request(list(await weeks()), language)
            picture, errors = await process.communicate(asked)
    except BaseException:  # a failure, a timeout or a stop: the child never outlives the wait
        with suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    if process.returncode != 0 or not picture.startswith(PNG_SIGNATURE):
        last_lines = errors.decode(errors="replace").strip().splitlines()[-3:]
        raise ChartError(f"the chart process exited with {process.returncode}: {last_lines}")
    return picture
