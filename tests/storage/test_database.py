"""The writer's rules: `write_alone` and `run_transaction` are transactions of their own
and wait for the lock."""

import asyncio
import sqlite3

import pytest

from storage import meta
from storage.database import WRITER_CACHE_KIB, Database, fetch_all, fetch_one
from tests.helpers import write_lock_held_elsewhere


async def _value(db: Database, key: str) -> str | None:
    return await meta.get(db, key)


async def test_a_lone_write_commits_by_itself_and_counts_its_rows(db: Database) -> None:
    await meta.put(db, "colour", "red")
    changed = await db.write_alone("UPDATE meta SET value = ? WHERE key = ?", ("blue", "colour"))
    assert changed == 1
    assert await _value(db, "colour") == "blue"  # the reader sees it: committed
    assert await db.write_alone("UPDATE meta SET value = 'x' WHERE key = 'absent'") == 0


async def test_a_lone_write_waits_for_a_transaction_of_this_process(db: Database) -> None:
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
    lone = asyncio.create_task(
        db.write_alone("UPDATE meta SET value = 'blue' WHERE key = 'colour'")
    )
    await asyncio.sleep(0.2)
    assert not lone.done()  # not slipped into the other transaction
    leave.set()
    assert await asyncio.gather(holder, return_exceptions=True) != [None]
    assert await lone == 1
    assert await _value(db, "colour") == "blue"  # the rollback did not take it along


async def test_a_lone_write_waits_out_another_connections_write_lock(db: Database) -> None:
    await meta.put(db, "colour", "red")
    async with write_lock_held_elsewhere(db.path):
        lone = asyncio.create_task(
            db.write_alone("UPDATE meta SET value = 'blue' WHERE key = 'colour'")
        )
        await asyncio.sleep(0.5)
        assert not lone.done()  # waiting, not failed with "database is locked"
    assert await lone == 1
    assert await _value(db, "colour") == "blue"


def _recolour(conn: sqlite3.Connection, colour: str, *, fail: bool = False) -> int:
    first = conn.execute("UPDATE meta SET value = ? WHERE key = 'colour'", (colour,)).rowcount
    conn.execute("INSERT INTO meta (key, value) VALUES ('shade', ?)", (colour,))
    if fail:
        raise ValueError("changed my mind")
    return first


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


async def test_a_transaction_run_in_one_trip_waits_for_a_transaction_of_this_process(
    db: Database,
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
    one_trip = asyncio.create_task(db.run_transaction(_recolour, "blue"))
    await asyncio.sleep(0.2)
    assert not one_trip.done()  # not slipped into the other transaction
    leave.set()
    assert await asyncio.gather(holder, return_exceptions=True) != [None]
    assert await one_trip == 1
    assert await _value(db, "colour") == "blue"


async def test_a_transaction_run_in_one_trip_waits_out_another_connections_write_lock(
    db: Database,
) -> None:
    await meta.put(db, "colour", "red")
    async with write_lock_held_elsewhere(db.path):
        one_trip = asyncio.create_task(db.run_transaction(_recolour, "blue"))
        await asyncio.sleep(0.5)
        assert not one_trip.done()  # waiting, not failed with "database is locked"
    assert await one_trip == 1
    assert await _value(db, "colour") == "blue"


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
