"""Written answers read for their themes in a short-lived child process
(analytics/theme_worker.py says why)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from analytics.theme_worker import answers_read, request
from analytics.themes import Theme, Topics
from bot.process.child_process import python_child

WORKER = ("-m", "analytics.theme_worker")
TIMEOUT_SECONDS = 300.0
BATCH = 5000
"""Answers per child: its start (the dictionaries load in about 0.3 s) is paid once a batch."""


class ThemeReadingError(Exception):
    """The child process failed or timed out; the answers stay unread until the next try."""


async def read_in_child(
    themes: Sequence[Theme], answers: Sequence[tuple[int, str]]
) -> list[tuple[int, Topics]]:
    async with python_child(WORKER, takes_input=True) as child, asyncio.timeout(TIMEOUT_SECONDS):
        done = await child.finish(request(themes, answers))
    if done.returncode != 0:
        raise ThemeReadingError(
            f"the theme process exited with {done.returncode}: {done.last_words()}"
        )
    return answers_read(done.output)
