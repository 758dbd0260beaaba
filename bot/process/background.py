"""Owner requests too long to hold up everyone's updates run beside them.

Polling confirms a batch to Telegram only once every update in it is handled, and a webhook
update is answered only once handled. A chain's export takes minutes: handled
inside its update, it would hold back every customer's next update that long, or outlast
Telegram's webhook timeout. Such work is started here instead, and the update is done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from core.logs import log_failure

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self.stopping = asyncio.Event()
        """Set on a stop; the work waits on it beside its own and gives up."""

    def start(self, work: Coroutine[Any, Any, None], name: str) -> bool:
        """Run `work` beside the updates; False (and `work` never runs) once stopping."""
        if self.stopping.is_set():
            work.close()
            return False
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return True

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log_failure(log, error, "%s", task.get_name())

    async def stop(self, grace: float) -> None:
        """Ask the work to give up, wait until it has (a stopped export says so), and
        cancel what is still running after `grace` seconds."""
        self.stopping.set()
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in late:
            log.warning("%s still running at the stop: cancelled", task.get_name())
            task.cancel()
        if late:
            await asyncio.wait(late)
