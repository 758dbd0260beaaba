"""Work done in a short-lived `python` child process that never outlives the wait for it.

The digest's chart (matplotlib) and /export's files (XlsxWriter) are made in children: what
those libraries take in memory goes back to the system when the child ends, and their CPU
time never holds the bot's interpreter lock (bot/reports/chart_process.py and
bot/reports/export_process.py say more). Whatever ends the wait (the answer, a failure, a
timeout, a cancellation, the bot's stop), the child has ended and been reaped by then.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass


class ChildStopped(Exception):
    """The stop came first: the child was ended before it finished."""


@dataclass(frozen=True, slots=True)
class Finished:
    returncode: int | None
    output: bytes
    errors: bytes

    def last_words(self, lines: int = 3) -> list[str]:
        """The end of what it wrote to stderr: a traceback's last lines."""
        return self.errors.decode(errors="replace").strip().splitlines()[-lines:]


class Child:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._talk: asyncio.Future[tuple[bytes, bytes]] | None = None

    async def finish(
        self, data: bytes | None = None, *, stop: asyncio.Event | None = None
    ) -> Finished:
        """Send `data` (if the child takes input), then wait for it to end; ChildStopped if
        `stop` is set first."""
        self._talk = asyncio.ensure_future(self._process.communicate(data))
        if stop is not None:
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait([self._talk, stopped], return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopped.cancel()
            if not self._talk.done():
                await self.end()
                raise ChildStopped
        output, errors = await self._talk
        return Finished(self._process.returncode, output, errors)

    async def end(self) -> None:
        """Kill the child if it still runs, and reap it."""
        if self._process.returncode is None:
            with suppress(ProcessLookupError):
                self._process.kill()
        if self._talk is not None:
            await asyncio.wait([self._talk])  # its pipes read to their end
        await self._process.wait()


@asynccontextmanager
async def python_child(arguments: Sequence[str], *, takes_input: bool) -> AsyncIterator[Child]:
    """`python <arguments>` (this interpreter), its output and errors piped back; ended and
    reaped when the block is left, however it is left."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *arguments,
        stdin=asyncio.subprocess.PIPE if takes_input else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    child = Child(process)
    try:
        yield child
    finally:
        await child.end()
