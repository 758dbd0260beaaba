"""Small helpers shared by tests."""

from __future__ import annotations

import asyncio
import platform
import socket
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

GLIBC = platform.libc_ver()[0] == "glibc"
"""The C library is glibc, whose malloc arenas bot/allocator.py limits."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Until `check()` holds, re-asked every 50 ms: for state no event announces, such as
    a row the bot writes after its last Bot API call. TimeoutError after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


@asynccontextmanager
async def write_lock_held_elsewhere(database: Path) -> AsyncIterator[None]:
    """Inside the block another connection holds SQLite's write lock (a backup script, a
    migration, a curious owner); it commits when the block ends."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        other = sqlite3.connect(database, timeout=10, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE meta SET value = value")
            held.set()
            release.wait()
            other.execute("COMMIT")
        finally:
            other.close()

    holder = asyncio.create_task(asyncio.to_thread(hold))
    assert await asyncio.to_thread(held.wait, 10), "the other connection never took the lock"
    try:
        yield
    finally:
        release.set()
        await holder


class FakeClock:
    """A clock that tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
