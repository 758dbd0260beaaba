"""Small helpers shared by tests."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web


def child_processes(*arguments: str) -> list[int]:
    """The pids of this process's children whose command line has every one of `arguments`
    (read from /proc; a child that has exited, reaped or not, has none)."""
    wanted = [argument.encode() for argument in arguments]
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
        if parent == os.getpid() and all(argument in argv for argument in wanted):
            found.append(int(entry.name))
    return found


def sleeping_children(monkeypatch: pytest.MonkeyPatch) -> list[asyncio.subprocess.Process]:
    """From now on every `asyncio.create_subprocess_exec` starts a process that sleeps for a
    minute instead of the program asked for; the list gets each one started."""
    started: list[asyncio.subprocess.Process] = []
    real_exec = asyncio.create_subprocess_exec

    async def sleeping_child(*args: object, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await real_exec(sys.executable, "-c", "import time; time.sleep(60)", **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", sleeping_child)
    return started


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def serve_on_loopback(
    path: str, handle: Callable[[web.Request], Awaitable[web.StreamResponse]], method: str = "POST"
) -> tuple[web.AppRunner, int]:
    """A stand-in HTTP server answering `method path` on a free loopback port: its runner
    (clean it up) and its port."""
    app = web.Application()
    app.router.add_route(method, path, handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, port


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


def make_run_arguments() -> tuple[str, ...]:
    """The arguments `make run` gives the venv's python (read from the Makefile)."""
    makefile = (Path(__file__).parents[1] / "Makefile").read_text().splitlines()
    recipe = makefile[makefile.index(next(line for line in makefile if line.startswith("run:"))) :]
    command = next(line for line in recipe if "$(BIN)/python" in line)
    return tuple(command.split("$(BIN)/python", 1)[1].split())
