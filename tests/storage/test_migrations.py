import sqlite3
from pathlib import Path

import pytest

from storage.database import Database
from storage.migrations import LEADS, MIGRATIONS, STORES, SchemaTooNewError


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

    upgrade = "ALTER TABLE customers ADD COLUMN nickname TEXT; CREATE TABLE notes (id INTEGER);"
    new = await Database.open(db_path, (*MIGRATIONS, upgrade))
    try:
        async with new.reader.execute("SELECT telegram_user_id, nickname FROM customers") as cursor:
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


V1_ROWS = (
    "INSERT INTO customers (id, telegram_user_id, referral_code, created_at, updated_at)"
    " VALUES (1, 42, 'abc', 't', 't')",
    "INSERT INTO purchases (id, customer_id, order_id, amount_minor, currency, source,"
    " purchased_at, created_at) VALUES (1, 1, 'A-1', 150050, 'RUB', 'command', 't', 't')",
    "INSERT INTO surveys (id, customer_id, purchase_id, status, step, due_at, created_at,"
    " updated_at) VALUES (1, 1, 1, 'active', 'csat', 't', 't', 't')",
    "INSERT INTO answers (survey_id, question, score, answered_at) VALUES (1, 'nps', 9, 't')",
    "INSERT INTO referrals (referrer_id, survey_id, kind, note, created_at)"
    " VALUES (1, 1, 'text', 'Ivan', 't')",
)


async def test_version_1_file_keeps_every_row_through_the_intake_migration(db_path: Path) -> None:
    v1 = await Database.open(db_path, MIGRATIONS[:1])
    async with v1.transaction() as conn:
        for statement in V1_ROWS:
            await conn.execute(statement)
    await v1.close()

    current = await Database.open(db_path)
    try:
        reader = current.reader
        async with reader.execute(
            "SELECT order_id, amount_minor, request_hash FROM purchases"
        ) as c:
            assert [tuple(r) for r in await c.fetchall()] == [("A-1", 150050, None)]
        async with reader.execute("SELECT status, step, reminded_at FROM surveys") as c:
            assert [tuple(r) for r in await c.fetchall()] == [("active", "csat", None)]
        async with reader.execute("SELECT question, score FROM answers") as c:
            assert [tuple(r) for r in await c.fetchall()] == [("nps", 9)]
        async with reader.execute("SELECT kind, note FROM referrals") as c:
            assert [tuple(r) for r in await c.fetchall()] == [("text", "Ivan")]
        async with reader.execute("SELECT phone FROM customers") as c:
            assert [tuple(r) for r in await c.fetchall()] == [(None,)]
        async with reader.execute("PRAGMA foreign_key_check") as c:
            assert await c.fetchall() == []
    finally:
        await current.close()


async def test_purchases_from_before_stores_get_their_keys_and_one_list(db_path: Path) -> None:
    before = MIGRATIONS[: MIGRATIONS.index(STORES)]
    old = await Database.open(db_path, before)
    async with old.transaction() as conn:
        await conn.execute(
            "INSERT INTO customers (id, referral_code, created_at, updated_at)"
            " VALUES (1, 'abc', 'x', 'x')"
        )
        for number, store in enumerate(("Main  Street", "main-street", "Mall", None)):
            await conn.execute(
                "INSERT INTO purchases (customer_id, amount_minor, currency, store, source,"
                " purchased_at, created_at) VALUES (1, 100, 'RUB', ?, 'api', 't', ?)",
                (store, f"2026-01-0{number + 1}"),
            )
    await old.close()
    new = await Database.open(db_path)
    try:
        async with new.reader.execute("SELECT store, store_key FROM purchases ORDER BY id") as c:
            assert [tuple(row) for row in await c.fetchall()] == [
                ("Main  Street", "main street"),
                ("main-street", "main street"),
                ("Mall", "mall"),
                (None, None),
            ]
        async with new.reader.execute("SELECT key, name FROM stores ORDER BY key") as cursor:
            # each store shown as it was first written, its spaces tidied
            assert [tuple(row) for row in await cursor.fetchall()] == [
                ("main street", "Main Street"),
                ("mall", "Mall"),
            ]
    finally:
        await new.close()


async def test_answers_given_before_leads_become_leads_of_their_day(db_path: Path) -> None:
    old = await Database.open(db_path, MIGRATIONS[: MIGRATIONS.index(LEADS)])
    async with old.transaction() as conn:
        await conn.execute(
            "INSERT INTO customers (id, referral_code, created_at, updated_at)"
            " VALUES (1, 'abc', 'x', 'x')"
        )
        await conn.execute(
            "INSERT INTO surveys (id, customer_id, status, step, due_at, created_at, updated_at)"
            " VALUES (1, 1, 'completed', 'done', 'x', 'x', 'x')"
        )
        answers = [
            ("nps", None, "2026-01-01"),
            ("fix", "cold coffee", "2026-01-03"),
            ("upsell", "  ", "2026-01-04"),  # blank: nothing to act on
            ("ref", "Peter, +7900", "2026-01-05"),
        ]
        for question, text, when in answers:
            await conn.execute(
                "INSERT INTO answers (survey_id, question, text, answered_at) VALUES (1, ?, ?, ?)",
                (question, text, when),
            )
        await conn.execute(
            "INSERT INTO referrals (id, referrer_id, survey_id, kind, note, created_at)"
            " VALUES (7, 1, 1, 'text', 'Peter, +7900', '2026-01-05')"
        )
    await old.close()
    new = await Database.open(db_path)
    try:
        async with new.reader.execute(
            "SELECT kind, answer_id, referral_id, status, created_at FROM leads ORDER BY id"
        ) as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == [
                ("fix", 2, None, "open", "2026-01-03"),
                ("referral", 4, 7, "open", "2026-01-05"),
            ]
    finally:
        await new.close()
