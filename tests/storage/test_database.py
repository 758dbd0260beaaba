"""The writer's rules: `write_alone` and `run_transaction` are transactions of their own;
while another connection holds the lock they queue on the patient writer's thread, one after
another, and wait for it there."""

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from storage import meta
from storage.database import CHECKPOINT_EVERY, WRITER_CACHE_KIB, Database, fetch_all, fetch_one
from tests.helpers import write_lock_held_elsewhere

T = TypeVar("T")


async def _value(db: Database, key: str) -> str | None:
    return await meta.get(db, key)


async def test_a_lone_write_commits_by_itself_and_counts_its_rows(db: Database) -> None:
    await meta.put(db, "colour", "red")
    changed = await db.write_alone("UPDATE meta SET value = ? WHERE key = ?", ("blue", "colour"))
    assert changed == 1
    assert await _value(db, "colour") == "blue"  # the reader sees it: committed
    assert await db.write_alone("UPDATE meta SET value = 'x' WHERE key = 'absent'") == 0


def _recolour(conn: sqlite3.Connection, colour: str, *, fail: bool = False) -> int:
    first = conn.execute("UPDATE meta SET value = ? WHERE key = 'colour'", (colour,)).rowcount
    conn.execute("INSERT INTO meta (key, value) VALUES ('shade', ?)", (colour,))
    if fail:
        raise ValueError("changed my mind")
    return first


def _repaint(conn: sqlite3.Connection, colour: str) -> int:
    return conn.execute("UPDATE meta SET value = ? WHERE key = 'colour'", (colour,)).rowcount


async def _lone_write_of_blue(db: Database) -> int:
    return await db.write_alone("UPDATE meta SET value = 'blue' WHERE key = 'colour'")


async def _one_trip_of_blue(db: Database) -> int:
    return await db.run_transaction(_recolour, "blue")


EACH_WAY_TO_WRITE_BLUE = pytest.mark.parametrize(
    "write_blue", [_lone_write_of_blue, _one_trip_of_blue], ids=["write_alone", "run_transaction"]
)


@EACH_WAY_TO_WRITE_BLUE
async def test_a_write_waits_for_a_transaction_of_this_process(
    db: Database, write_blue: Callable[[Database], Awaitable[int]]
) -> None:
    await meta.put(db, "colour", "red")
    inside = asyncio.Event()
    leave = asyncio.Event()

    async def long_transaction() -> None:
        async with db.transaction() as conn:
            await conn.execute("UPDATE meta SET value = 'green' WHERE key = 'colour'")
            inside.set()
            await leave.wait()
            raise RuntimeError("rolled back")

    holder = asyncio.create_task(long_transaction())
    await inside.wait()
    write = asyncio.create_task(write_blue(db))
    await asyncio.sleep(0.2)
    assert not write.done()  # not slipped into the other transaction
    leave.set()
    (outcome,) = await asyncio.gather(holder, return_exceptions=True)
    assert isinstance(outcome, RuntimeError)
    assert await write == 1
    assert await _value(db, "colour") == "blue"  # the rollback did not take it along


@EACH_WAY_TO_WRITE_BLUE
async def test_a_write_waits_out_another_connections_write_lock(
    db: Database, write_blue: Callable[[Database], Awaitable[int]]
) -> None:
    await meta.put(db, "colour", "red")
    async with write_lock_held_elsewhere(db.path):
        write = asyncio.create_task(write_blue(db))
        await asyncio.sleep(0.5)
        assert not write.done()  # waiting, not failed with "database is locked"
    assert await write == 1
    assert await _value(db, "colour") == "blue"


async def test_a_transaction_run_in_one_trip_commits_and_returns_what_its_body_returns(
    db: Database,
) -> None:
    await meta.put(db, "colour", "red")
    assert await db.run_transaction(_recolour, "blue") == 1
    assert await _value(db, "colour") == "blue"
    assert await _value(db, "shade") == "blue"


async def test_a_transaction_run_in_one_trip_rolls_back_whole_when_its_body_raises(
    db: Database,
) -> None:
    await meta.put(db, "colour", "red")
    with pytest.raises(ValueError, match="changed my mind"):
        await db.run_transaction(_recolour, "blue", fail=True)
    assert await _value(db, "colour") == "red"
    assert await _value(db, "shade") is None
    assert await db.run_transaction(_recolour, "green") == 1  # the writer is usable again
    assert await _value(db, "colour") == "green"


async def test_the_writer_keeps_a_small_page_cache_and_the_reader_sqlites_default(
    db: Database,
) -> None:
    def cache_size(conn: sqlite3.Connection) -> int:
        return int(conn.execute("PRAGMA cache_size").fetchone()[0])

    assert await db.run_transaction(cache_size) == -WRITER_CACHE_KIB  # negative: KiB
    row = await fetch_one(db.reader, "PRAGMA cache_size")
    assert row[0] == -2000  # SQLite's default, 2 MiB, for the scans of /stats and digests


async def _with_a_deferred_reference(db: Database) -> None:
    """A table whose foreign key is checked only at COMMIT, which then fails."""
    await db.write_alone("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await db.write_alone(
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)"
        " DEFERRABLE INITIALLY DEFERRED)"
    )


def _orphan(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO child (parent_id) VALUES (404)")


async def test_a_failed_commit_rolls_back_and_the_writer_goes_on(db: Database) -> None:
    await _with_a_deferred_reference(db)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO child (parent_id) VALUES (404)")
    with pytest.raises(sqlite3.IntegrityError):
        await db.run_transaction(_orphan)
    # Neither left its transaction open: the next ones begin, and commit.
    assert await db.run_transaction(_recolour, "blue") == 0
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO parent (id) VALUES (404)")
    await db.run_transaction(_orphan)
    rows = await fetch_all(db.reader, "SELECT parent_id FROM child")
    assert [row[0] for row in rows] == [404]


async def _on_the_patient_thread(db: Database, write: Awaitable[T]) -> asyncio.Task[T]:
    """`write` started while another connection holds the lock, so that it waits on the
    patient writer's thread, and the lock let go: a body that blocks must not block the loop."""
    async with write_lock_held_elsewhere(db.path):
        task = asyncio.ensure_future(write)
        await asyncio.sleep(0.1)
        assert not task.done()
    return task


class _BodyThatWaits:
    """A transaction body that, once running, waits for `release`, then does `then`."""

    def __init__(self, then: Callable[[sqlite3.Connection], int]) -> None:
        self.running, self.release = threading.Event(), threading.Event()
        self._then = then

    def __call__(self, conn: sqlite3.Connection) -> int:
        self.running.set()
        self.release.wait(10)
        return self._then(conn)


async def _running_on_the_patient_thread(db: Database, body: _BodyThatWaits) -> asyncio.Task[int]:
    """`body` as a transaction, running (and waiting) on the patient writer's thread."""
    task = await _on_the_patient_thread(db, db.run_transaction(body))
    assert await asyncio.to_thread(body.running.wait, 10)
    return task


def _thread_of_body(conn: sqlite3.Connection, seen: list[int]) -> int:
    seen.append(threading.get_ident())
    return _repaint(conn, "blue")


async def test_a_short_write_runs_on_the_event_loops_thread_when_the_lock_is_free(
    db: Database,
) -> None:
    await meta.put(db, "colour", "red")
    seen: list[int] = []
    assert await db.run_transaction(_thread_of_body, seen) == 1
    assert seen == [threading.get_ident()]  # no hand-off to another thread


async def test_while_another_connection_holds_the_lock_a_write_waits_off_the_loop(
    db: Database,
) -> None:
    await meta.put(db, "colour", "red")
    seen: list[int] = []
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    try:
        async with write_lock_held_elsewhere(db.path):
            write = asyncio.create_task(db.run_transaction(_thread_of_body, seen))
            lone = asyncio.create_task(
                db.write_alone("UPDATE meta SET value = 'green' WHERE key = 'colour'")
            )
            await asyncio.sleep(0.1)
            ticks_while_locked = ticks
            await asyncio.sleep(0.3)
            assert ticks > ticks_while_locked  # the loop turns while the writes wait
            assert not write.done() and not lone.done()
        assert await write == 1 and await lone == 1
    finally:
        ticker.cancel()
    (thread,) = seen  # one run: the attempt on the loop met the lock before the body
    assert thread != threading.get_ident()
    assert await _value(db, "colour") == "green"  # in the order asked


async def test_the_wal_is_checkpointed_while_short_writes_go_on(db: Database) -> None:
    wal = db.path.with_name(db.path.name + "-wal")
    page = 4096
    blob = "x" * (2 * page)  # every commit appends a few pages to the WAL
    for round_ in range(10 * CHECKPOINT_EVERY):
        await db.write_alone(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('blob', ?)", (blob + str(round_),)
        )
        if round_ % 10 == 0:
            await asyncio.sleep(0.01)  # room for the checkpoint on the writer's thread
    # Without checkpoints the WAL would hold every commit: 3,000 pages and more. After one
    # it starts over from its beginning, so it stays near one interval's worth.
    assert wal.stat().st_size < 3 * CHECKPOINT_EVERY * 4 * page
    assert await _value(db, "blob") == blob + str(10 * CHECKPOINT_EVERY - 1)


# Keeps a connection's thread busy for a good part of a second.
_SLOW_QUERY = """WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 2000000)
                 SELECT COUNT(*) FROM n"""


async def test_a_transaction_cancelled_while_its_commit_waits_is_cancelled_and_committed(
    db: Database,
) -> None:
    await meta.put(db, "colour", "red")
    commit_queued = asyncio.Event()
    busy: list[asyncio.Future[object]] = []

    async def recolour() -> None:
        async with db.transaction() as conn:
            await conn.execute("UPDATE meta SET value = 'blue' WHERE key = 'colour'")
            busy.append(asyncio.ensure_future(conn.execute_fetchall(_SLOW_QUERY)))
            await asyncio.sleep(0)  # the slow query is in the thread's queue: COMMIT waits
            commit_queued.set()

    task = asyncio.create_task(recolour())
    await commit_queued.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await busy[0]
    async with db.transaction():  # it waits for that COMMIT on the patient writer's thread
        pass
    assert await _value(db, "colour") == "blue"  # the COMMIT ran; no ROLLBACK after it
    assert await db.run_transaction(_recolour, "green") == 1


async def test_a_caller_cancelled_while_its_body_runs_is_cancelled_and_the_body_commits(
    db: Database,
) -> None:
    await meta.put(db, "colour", "red")
    body = _BodyThatWaits(lambda conn: _recolour(conn, "blue"))
    caller = await _running_on_the_patient_thread(db, body)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    after = asyncio.create_task(
        db.write_alone("UPDATE meta SET value = 'green' WHERE key = 'colour'")
    )
    await asyncio.sleep(0.1)
    assert not after.done()  # queued behind the body still running
    body.release.set()
    assert await after == 1
    assert await _value(db, "colour") == "green"
    assert await _value(db, "shade") == "blue"  # the cancelled caller's body committed


async def test_one_call_writes_queue_on_the_writer_without_waiting_for_the_event_loop(
    db: Database,
) -> None:
    """Under load the loop is busy: a write that waited for the one before it to come back
    through the loop would wait for the loop's turn, one write per turn."""
    await meta.put(db, "colour", "red")
    body = _BodyThatWaits(lambda conn: _repaint(conn, "blue"))
    first = await _running_on_the_patient_thread(db, body)
    second = asyncio.create_task(
        db.write_alone("UPDATE meta SET value = 'green' WHERE key = 'colour'")
    )
    third = asyncio.create_task(db.run_transaction(_repaint, "violet"))
    await asyncio.sleep(0.05)  # both reach the writer's queue
    body.release.set()
    # The loop is blocked here: only writes already queued on the patient thread can run.
    deadline = time.monotonic() + 5
    while _colour_on_disk(db.path) != "violet" and time.monotonic() < deadline:
        time.sleep(0.01)  # noqa: ASYNC251
    assert _colour_on_disk(db.path) == "violet"  # all three ran, in order, loop or not
    assert await first == 1 and await second == 1 and await third == 1


def _colour_on_disk(path: Path) -> str | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'colour'").fetchone()
    return None if row is None else str(row[0])


async def test_a_transaction_waits_for_one_call_writes_queued_before_it(db: Database) -> None:
    await meta.put(db, "colour", "red")
    body = _BodyThatWaits(lambda conn: _repaint(conn, "blue"))
    queued = await _running_on_the_patient_thread(db, body)

    async def read_then_write() -> str:
        async with db.transaction() as conn:
            row = await fetch_one(conn, "SELECT value FROM meta WHERE key = 'colour'")
            await conn.execute("UPDATE meta SET value = 'grey' WHERE key = 'colour'")
            return str(row[0])

    transaction = asyncio.create_task(read_then_write())
    later = asyncio.create_task(db.run_transaction(_repaint, "violet"))
    await asyncio.sleep(0.1)
    assert not transaction.done() and not later.done()
    body.release.set()
    assert await queued == 1
    assert await transaction == "blue"  # began after the queued write committed
    assert await later == 1  # and this one, asked for later, waited for the transaction
    assert await _value(db, "colour") == "violet"


async def test_a_coroutine_is_refused_as_a_transaction_body(db: Database) -> None:
    async def not_plain(conn: sqlite3.Connection) -> None:
        raise AssertionError("never run")

    with pytest.raises(TypeError, match="plain sqlite3"):
        await db.run_transaction(not_plain)  # type: ignore[arg-type]


async def test_a_file_sqlite_cannot_open_leaves_no_connection_thread_behind(
    tmp_path: Path,
) -> None:
    """aiosqlite stops a connection that failed to open without waiting for its thread,
    which then reports to the event loop, closed by then if the bot exits on the error."""
    folder = tmp_path / "feedback.db"
    folder.mkdir()  # a directory where the file should be: SQLite cannot open it
    before = set(threading.enumerate())
    with pytest.raises(sqlite3.OperationalError, match="unable to open"):
        await Database.open(folder)
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert [t for t in left if "_connection_worker_thread" in t.name] == []  # aiosqlite's


def _wal_size(db: Database) -> int:
    return Path(f"{db.path}-wal").stat().st_size


async def test_a_truncating_checkpoint_a_long_reader_holds_up_is_owed_not_waited_for(
    db: Database,
) -> None:
    await db.write_alone("INSERT INTO meta (key, value) VALUES ('erased', 'x')")
    reader = sqlite3.connect(db.path, isolation_level=None)  # an export's snapshot
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM meta").fetchall()
    await db.write_alone("UPDATE meta SET value = '' WHERE key = 'erased'")
    started = time.monotonic()
    assert await db.checkpoint() is False  # owed: the reader still needs the old page
    assert time.monotonic() - started < 2, "writes were held for SQLite's busy timeout"
    assert _wal_size(db) > 0
    await db.write_alone("INSERT INTO meta (key, value) VALUES ('meanwhile', 'y')")
    reader.execute("COMMIT")
    reader.close()
    await db.checkpoint_if_owed()
    assert _wal_size(db) == 0  # the old versions are gone from the WAL too
