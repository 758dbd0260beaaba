"""The SQLite file: two connections, one writer at a time, migrations on open.

Writes go through `transaction()`, which starts with `BEGIN IMMEDIATE` (a deferred
transaction that turns into a write fails with SQLITE_BUSY under WAL without waiting).
Reads use a second connection, so they never see another coroutine's uncommitted
transaction and never wait for it.

The writer's connection runs what it is given on its own thread, one call after another
in the order given. A write that is a transaction of its own in one call (`write_alone`,
`run_transaction`) can therefore be queued while others are still in that queue: they
share the writer. A `transaction()` spans several calls, with the event loop in between,
so it takes the writer alone: nothing else may be queued inside it. Waiting for each
one-call write to come back before queueing the next would cost every write a return
to the event loop, which under load is a turn of a busy loop, and cap the writes at
what those turns allow.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite
from aiorwlock import RWLock

from storage.migrations import MIGRATIONS, migrate

BUSY_TIMEOUT_MS = 10_000
WRITER_CACHE_KIB = 512
"""The writer's page cache. A write transaction touches a few B-tree paths, which this
holds; the reader keeps SQLite's default (2,000 KiB) for /stats and digests, which scan
indexes.
Each connection's cache fills up over the process's life, so this is resident memory."""

Params = Sequence[Any] | dict[str, Any]
Result = TypeVar("Result")
BodyArgs = ParamSpec("BodyArgs")


async def _connect(path: Path, cache_kib: int | None = None) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves instead of letting the
    # sqlite3 module open transactions implicitly.
    connecting = aiosqlite.connect(path, isolation_level=None)
    try:
        conn = await connecting
    except BaseException:
        # aiosqlite stops a connection that failed to open without waiting for its
        # thread, which then reports to the event loop, closed by then if the bot exits
        # on the error: wait for the thread to end first.
        await asyncio.to_thread(connecting._thread.join)
        raise
    try:
        await _configure(conn, cache_kib)
    except BaseException:
        await conn.close()
        raise
    return conn


async def _configure(conn: aiosqlite.Connection, cache_kib: int | None) -> None:
    conn.row_factory = sqlite3.Row
    if cache_kib is not None:
        await conn.execute(f"PRAGMA cache_size = -{cache_kib}")  # negative: in KiB
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    # Deleted and overwritten content is zeroed in the file, so erased personal data
    # does not linger in free space (see storage.erasure).
    await conn.execute("PRAGMA secure_delete = ON")


class Database:
    """Owns the connections; build it with `await Database.open(path)` and close it."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        # "reader" and "writer" are aiorwlock's names for shared and exclusive holders;
        # writers wait for no one to share it, and new sharers queue behind a writer.
        access = RWLock(fast=True)
        self._shared_writer = access.reader
        self._writer_alone = access.writer

    @classmethod
    async def open(cls, path: Path | str, migrations: Sequence[str] = MIGRATIONS) -> Database:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, cache_kib=WRITER_CACHE_KIB)
        try:
            await migrate(writer, migrations)
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        async with self._writer_alone:
            await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction; commits on success, rolls back on any exception.

        A COMMIT that fails (a deferred constraint, a full disk) can leave the transaction
        open, and every later BEGIN would fail: it is rolled back too. A task cancelled
        while its COMMIT is queued gets CancelledError, and the COMMIT still runs.
        """
        async with self._writer_alone:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            try:
                await self._writer.execute("COMMIT")
            except sqlite3.Error:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise

    async def write_alone(self, sql: str, params: Params = ()) -> int:
        """One write statement as a transaction of its own; the number of rows it changed.

        SQLite commits a statement run outside BEGIN by itself, so this is one trip to the
        writer's thread where `transaction()` takes three. Such a statement takes the write
        lock before it reads, waiting out `busy_timeout` like BEGIN IMMEDIATE does.
        """
        async with self._shared_writer:
            cursor = await self._writer.execute(sql, params)
            return cursor.rowcount

    async def run_transaction(
        self,
        body: Callable[Concatenate[sqlite3.Connection, BodyArgs], Result],
        *args: BodyArgs.args,
        **kwargs: BodyArgs.kwargs,
    ) -> Result:
        """`body(connection, ...)` as one write transaction, run on the writer's own thread.

        `transaction()` costs a trip to that thread per statement, plus BEGIN and COMMIT,
        and a trip (thread wake-ups, event-loop turns, GIL hand-offs) costs far more than a
        small statement. This takes one trip, for the hottest write: a customer's answer.
        The body is plain sqlite3 and must not touch the event loop; its result is returned,
        its exception rolls the transaction back and is raised here. A caller cancelled
        while the body runs gets CancelledError, but the body runs to its end and commits
        (the thread cannot be interrupted), and later writes queue behind it.

        aiosqlite has no public way to run a function on its thread: its own methods use
        `_execute` and `_conn`, hence the pin to aiosqlite's minor versions known to work.
        """
        if inspect.iscoroutinefunction(body):
            raise TypeError("run_transaction runs plain sqlite3 functions, not coroutines")
        writer = self._writer

        def in_writer_thread() -> Result:
            conn = writer._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(conn, *args, **kwargs)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # a failed COMMIT can leave it open, as above
                    conn.execute("ROLLBACK")
                raise
            return result

        async with self._shared_writer:
            return await writer._execute(in_writer_thread)  # type: ignore[no-any-return]

    async def checkpoint(self) -> None:
        """Copy the WAL into the file and truncate it, so old page versions are gone."""
        async with self._writer_alone:
            await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def reader(self) -> aiosqlite.Connection:
        """For repository functions that read; never write through it."""
        return self._reader


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> Any:
    """The first row of a query meant to return at most one row, or None.

    `execute_fetchall` runs the query and fetches in one trip to the connection's thread;
    execute, fetchone and close would take three.
    """
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> list[Any]:
    return list(await conn.execute_fetchall(sql, params))
