"""The writer's rules: `write_alone` is a transaction of its own and waits for the lock."""

import asyncio

from storage import meta
from storage.database import Database
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
