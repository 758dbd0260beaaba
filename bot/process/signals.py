"""SIGTERM and SIGINT: the first stops the bot gracefully, a second one exits at once.

Graceful: no new updates are taken, handlers and sends under way finish, and the database
is closed. At once: SQLite's journal keeps the file whole even then, and what was owed is
sent after the restart.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_on_signals(
    stop: Callable[[], Coroutine[Any, Any, None]],
    stop_requested: asyncio.Event,
    exit_at_once: Callable[[int], None],
) -> Iterator[None]:
    """While inside: the first signal sets `stop_requested` and runs `stop()`; the next one
    calls `exit_at_once(128 + signal)`, the exit code a shell gives a killed process."""
    loop = asyncio.get_running_loop()
    stopping: set[asyncio.Future[None]] = set()

    def on_signal(signum: signal.Signals) -> None:
        if stop_requested.is_set():
            log.warning("%s again: exiting at once", signum.name)
            exit_at_once(128 + signum)
            return
        log.info("%s: stopping gracefully (send it again to exit at once)", signum.name)
        stopping.add(asyncio.ensure_future(stop()))
        stop_requested.set()

    for signum in SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        yield
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)
