import sqlite3
from pathlib import Path

import pytest

from storage.database import Database
from storage.migrations import MIGRATIONS, SchemaTooNewError


async def test_new_file_gets_every_migration_and_the_pragmas(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        async with db.reader.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == len(MIGRATIONS)
        async with db.reader.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"
        async with db.reader.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1
        async with db.reader.execute("PRAGMA busy_timeout") as cursor:
            assert (await cursor.fetchone())[0] > 0
    finally:
        await db.close()
    assert db_path.parent.is_dir()


async def test_newer_binary_upgrades_an_older_file_keeping_its_data(db_path: Path) -> None:
    old = await Database.open(db_path, MIGRATIONS)
    async with old.transaction() as conn:
        await conn.execute(
            "INSERT INTO customers (telegram_user_id, referral_code, created_at, updated_at)"
            " VALUES (42, 'abc', 'x', 'x')"
        )
    await old.close()

    upgrade = "ALTER TABLE customers ADD COLUMN phone TEXT; CREATE TABLE notes (id INTEGER);"
    new = await Database.open(db_path, (*MIGRATIONS, upgrade))
    try:
        async with new.reader.execute("SELECT telegram_user_id, phone FROM customers") as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == [(42, None)]
        async with new.reader.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == len(MIGRATIONS) + 1
    finally:
        await new.close()


async def test_failed_migration_leaves_the_file_as_it_was(db_path: Path) -> None:
    await (await Database.open(db_path)).close()
    broken = "CREATE TABLE half_done (id INTEGER); THIS IS NOT SQL;"
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(db_path, (*MIGRATIONS, broken))
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "half_done" not in tables


async def test_file_from_a_newer_binary_is_refused(db_path: Path) -> None:
    await (await Database.open(db_path, (*MIGRATIONS, "CREATE TABLE future (id INTEGER);"))).close()
    with pytest.raises(SchemaTooNewError, match="newer"):
        await Database.open(db_path)
