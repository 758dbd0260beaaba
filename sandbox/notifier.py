"""Wake-ups for everything that waits on emulator state (long polls and test waits)."""

# The public API takes per-call `timeout` arguments by design.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
from collections.abc import Callable


class ChangeNotifier:
    """An Event replaced on every change, so state changes can be signalled from sync code."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def changed(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None) -> None:
        """Return once predicate() is true; raise TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._event.wait()
