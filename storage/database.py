"""The SQLite file: one writer at a time, migrations on open.

Writes go through `transaction()`, which starts with `BEGIN IMMEDIATE` (a deferred
transaction that turns into a write fails with SQLITE_BUSY under WAL without waiting).
Reads use a connection of their own, so they never see another coroutine's uncommitted
transaction and never wait for it.

A short write that is a transaction of its own in one call (`write_alone`,
`run_transaction`: a customer's answer, the record of the next question) runs on the
event loop's own thread, on a third connection that never waits for SQLite's lock: its
statements take a fraction of a millisecond, less than handing them to another thread
and back costs the loop (a thread wake-up, GIL hand-offs, a turn of a busy loop). When
another connection holds the lock (a backup script, a migration, an owner's sqlite3
shell), the write goes to a thread of the database's own (`_PatientWriter`), which waits
there, so the loop never waits for a lock. A write waits up to `LOCK_PATIENCE_SECONDS` for
such a lock, logging each `BUSY_TIMEOUT_MS` it has waited, before it fails. The loop's
connection never checkpoints the WAL itself: every `CHECKPOINT_EVERY` of its commits, the
writer's thread does.

aiosqlite runs the reader and the writer, through its public API only. It has no public way
to run a function of ours on its thread, so the patient writes have a thread and a
connection of their own (docs/design.md says why).

The one-call writes share the writer: any number may be under way (on the loop, or queued
in order on the patient thread). A `transaction()` spans several calls, with the event loop
in between, so it takes the writer alone: nothing else may run inside it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite
from aiorwlock import RWLock

from core.stores import display_name, store_key
from storage.migrations import MIGRATIONS, migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
LOCK_PATIENCE_SECONDS = 120.0
"""How long a write waits for a lock another connection holds. A backup or a migration
takes seconds; longer, a customer's answer still lands late rather than being refused."""
WRITER_CACHE_KIB = 512
"""The writer's page cache. A write transaction touches a few B-tree paths, which this
holds; the reader keeps SQLite's default (2,000 KiB) for /stats and digests, which scan
indexes.
Each connection's cache fills up over the process's life, so this is resident memory."""

CHECKPOINT_EVERY = 100
"""Commits on the event loop's connection between two checkpoints of the WAL. An answer
writes a handful of pages; SQLite's own default is a checkpoint every 1,000 pages."""

Params = Sequence[Any] | dict[str, Any]
Result = TypeVar("Result")
BodyArgs = ParamSpec("BodyArgs")


def _can_open(path: Path) -> None:
    """Raise sqlite3's error if the file cannot be opened as a database.

    Asked before aiosqlite opens it: aiosqlite stops a connection that failed to open without
    waiting for its thread, which then reports to the event loop, closed by then when the
    bot exits on the error."""
    sqlite3.connect(path).close()


async def _connect(path: Path, cache_kib: int | None = None) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves instead of letting the
    # sqlite3 module open transactions implicitly.
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await _configure(conn, cache_kib)
    except BaseException:
        await conn.close()
        raise
    return conn


_PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = NORMAL",
    "foreign_keys = ON",
    # Deleted and overwritten content is zeroed in the file, so erased personal data
    # does not linger in free space (see storage.erasure).
    "secure_delete = ON",
)


def _store_name_of(name: str | None) -> str | None:
    return None if name is None else display_name(name)


def _casefold(text: str | None) -> str | None:
    """Case-blind search in any alphabet (SQLite's own LIKE and lower() know ASCII only)."""
    return None if text is None else text.casefold()


_FUNCTIONS = (
    ("store_key_of", store_key),
    ("store_name_of", _store_name_of),
    ("casefold", _casefold),
)
"""SQL functions of our own, on every connection: the migrations and queries use them."""


async def _configure(conn: aiosqlite.Connection, cache_kib: int | None) -> None:
    conn.row_factory = sqlite3.Row
    for name, function in _FUNCTIONS:
        await conn.create_function(name, 1, function, deterministic=True)
    if cache_kib is not None:
        await conn.execute(f"PRAGMA cache_size = -{cache_kib}")  # negative: in KiB
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    for pragma in _PRAGMAS:
        await conn.execute(f"PRAGMA {pragma}")


def _connect_plain(path: Path, *pragmas: str) -> sqlite3.Connection:
    """A sqlite3 connection of our own (used on one thread only), set up like the others."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        for name, function in _FUNCTIONS:
            conn.create_function(name, 1, function, deterministic=True)
        for pragma in (*pragmas, *_PRAGMAS):
            conn.execute(f"PRAGMA {pragma}")
    except BaseException:
        conn.close()
        raise
    return conn


def _connect_on_loop(path: Path) -> sqlite3.Connection:
    """The loop's own connection: it never waits for the lock, nor checkpoints."""
    return _connect_plain(
        path, f"cache_size = -{WRITER_CACHE_KIB}", "busy_timeout = 0", "wal_autocheckpoint = 0"
    )


class _PatientWriter:
    """One thread with a connection of its own, for the one-call writes that met another
    connection's lock: there they wait for it, one after another, in the order they came.

    Opened on its first use (rarely: a backup script, a migration or an owner's sqlite3
    shell holding the lock), so a bot that never meets a lock has no fourth connection.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-patient")
        self._conn: sqlite3.Connection | None = None

    async def run(self, call: Callable[[sqlite3.Connection], Result]) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._call, call)

    def _call(self, call: Callable[[sqlite3.Connection], Result]) -> Result:
        if self._conn is None:
            self._conn = _connect_plain(
                self._path, f"cache_size = -{WRITER_CACHE_KIB}", f"busy_timeout = {BUSY_TIMEOUT_MS}"
            )
        return call(self._conn)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close_connection)
        self._thread.shutdown(wait=True)

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY, in any of its extended forms: another connection holds the lock."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


async def _patiently(attempt: Callable[[], Awaitable[Result]]) -> Result:
    """`attempt()` again while it fails because another connection holds the lock (each
    try waits SQLite's busy timeout), until LOCK_PATIENCE_SECONDS have passed."""
    started = time.monotonic()
    while True:
        try:
            return await attempt()
        except sqlite3.OperationalError as error:
            waited = time.monotonic() - started
            if not _is_busy(error) or waited >= LOCK_PATIENCE_SECONDS:
                raise
            log.warning("another connection has held the write lock for %.0f s; waiting", waited)


def _in_one_transaction(
    conn: sqlite3.Connection,
    body: Callable[..., Result],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Result:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = body(conn, *args, **kwargs)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # a failed COMMIT can leave it open (see transaction())
            conn.execute("ROLLBACK")
        raise
    return result


class Database:
    """Owns the connections; build it with `await Database.open(path)` and close it."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        on_loop: sqlite3.Connection,
    ):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._on_loop = on_loop
        self._patient = _PatientWriter(path)
        self._commits_since_checkpoint = 0
        self._checkpointing: asyncio.Task[None] | None = None
        self._truncate_owed = False  # a TRUNCATE checkpoint a reader held up
        # "reader" and "writer" are aiorwlock's names for shared and exclusive holders;
        # writers wait for no one to share it, and new sharers queue behind a writer.
        access = RWLock(fast=True)
        self._shared_writer = access.reader
        self._writer_alone = access.writer

    @classmethod
    async def open(cls, path: Path | str, migrations: Sequence[str] = MIGRATIONS) -> Database:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_can_open, path)
        writer = await _connect(path, cache_kib=WRITER_CACHE_KIB)
        try:
            await migrate(writer, migrations)
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        try:
            on_loop = _connect_on_loop(path)
        except BaseException:
            await reader.close()
            await writer.close()
            raise
        return cls(path, writer, reader, on_loop)

    async def close(self) -> None:
        if self._checkpointing is not None:
            await self._checkpointing
        async with self._writer_alone:
            self._on_loop.close()
            await self._patient.close()
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
            await _patiently(lambda: self._writer.execute("BEGIN IMMEDIATE"))
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
        """One short write statement as a transaction of its own; the rows it changed.

        SQLite commits a statement run outside BEGIN by itself. Such a statement takes the
        write lock before it reads, as BEGIN IMMEDIATE does. It runs on the event loop's
        thread, or on the writer's while another connection holds the lock (see above).
        """
        return await self._one_call(lambda conn: conn.execute(sql, params).rowcount)

    async def write_alone_returning(self, sql: str, params: Params = ()) -> list[Any]:
        """`write_alone` for a statement with RETURNING: the rows it returned."""
        return await self._one_call(lambda conn: conn.execute(sql, params).fetchall())

    async def run_transaction(
        self,
        body: Callable[Concatenate[sqlite3.Connection, BodyArgs], Result],
        *args: BodyArgs.args,
        **kwargs: BodyArgs.kwargs,
    ) -> Result:
        """`body(connection, ...)` as one write transaction, in a single call.

        For short transactions of a few indexed statements, the hottest write first: a
        customer's answer. `transaction()` costs a trip to the writer's thread per statement,
        plus BEGIN and COMMIT. The body is plain sqlite3 and runs on the event loop's thread
        (see above), so it must be quick and must not touch the loop. Its result is
        returned, its exception rolls the transaction back and is raised here.

        While another connection holds the lock, the body runs on the patient writer's thread
        once the lock is free. A body that met the lock was rolled back and runs again there, so
        it must do nothing but its statements. A caller cancelled while it runs there gets
        CancelledError, but the body runs to its end and commits (the thread cannot be
        interrupted), and later writes queue behind it.
        """
        if inspect.iscoroutinefunction(body):
            raise TypeError("run_transaction runs plain sqlite3 functions, not coroutines")
        return await self._one_call(lambda conn: _in_one_transaction(conn, body, args, kwargs))

    async def _one_call(self, call: Callable[[sqlite3.Connection], Result]) -> Result:
        """`call(connection)` on the loop's connection, or, if another connection holds the
        lock, on the patient writer's thread, where it waits for the lock."""
        async with self._shared_writer:
            try:
                result = call(self._on_loop)
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
            else:
                self._committed_on_loop()
                return result
            return await _patiently(lambda: self._patient.run(call))

    def _committed_on_loop(self) -> None:
        self._commits_since_checkpoint += 1
        if self._commits_since_checkpoint >= CHECKPOINT_EVERY and self._checkpointing is None:
            self._commits_since_checkpoint = 0
            self._checkpointing = asyncio.create_task(self._checkpoint_passively())

    async def _checkpoint_passively(self) -> None:
        """Copy what the WAL holds into the file, on the writer's thread, without waiting
        for anyone: SQLite lets writers go on meanwhile.

        The WAL starts over only once every page in it has been copied, so the commits made
        meanwhile are copied next with writes held back: under a steady stream of answers
        the WAL would otherwise never start over and grow without end. That rest is the
        pages of a checkpoint's few milliseconds, quick to copy.
        """
        try:
            if self._truncate_owed:
                await self.checkpoint()
                return
            async with self._shared_writer:
                await fetch_one(self._writer, "PRAGMA wal_checkpoint(PASSIVE)")
            async with self._writer_alone:  # the commits made meanwhile, if any
                await fetch_one(self._writer, "PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:  # the next one will try again
            log.warning("WAL checkpoint failed: %s", error)
        finally:
            self._checkpointing = None

    async def checkpoint(self) -> bool:
        """Copy the WAL into the file and truncate it, so old page versions are gone.

        A reader's snapshot (a long export) may still need those versions: the checkpoint
        does not wait for it, holding every write meanwhile, but is owed, and
        `checkpoint_if_owed` (after the export) or the next periodic checkpoint does it.
        False when it is owed."""
        async with self._writer_alone:
            await self._writer.execute("PRAGMA busy_timeout = 0")
            try:
                busy, _, _ = await fetch_one(self._writer, "PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await self._writer.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._truncate_owed = bool(busy)
        if busy:
            log.warning("WAL checkpoint held up by a reader (an export?): owed until it ends")
        return not busy

    async def checkpoint_if_owed(self) -> None:
        if self._truncate_owed:
            await self.checkpoint()

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
