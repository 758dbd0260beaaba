"""Small values the bot keeps for itself, such as secrets generated on first start."""

from __future__ import annotations

import secrets

from storage.database import Database, fetch_one


async def get_or_create_secret(db: Database, key: str, nbytes: int = 32) -> bytes:
    """A random secret made once and kept, so links signed with it stay valid."""
    async with db.transaction() as conn:
        row = await fetch_one(conn, "SELECT value FROM meta WHERE key = ?", (key,))
        if row is not None:
            return bytes.fromhex(row["value"])
        value = secrets.token_bytes(nbytes)
        await conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value.hex()))
        return value


async def get_or_set(db: Database, key: str, value: str) -> str:
    """The value kept under `key`; `value` is kept (and returned) if there was none."""
    async with db.transaction() as conn:
        row = await fetch_one(conn, "SELECT value FROM meta WHERE key = ?", (key,))
        if row is not None:
            return str(row["value"])
        await conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
        return value


SURVEYS_PAUSED = "surveys_paused_at"
"""Present while staff have paused outgoing surveys (/pause); its value is when."""


async def get(db: Database, key: str) -> str | None:
    row = await fetch_one(db.reader, "SELECT value FROM meta WHERE key = ?", (key,))
    return None if row is None else str(row["value"])


async def put(db: Database, key: str, value: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            """INSERT INTO meta (key, value) VALUES (?, ?)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
            (key, value),
        )


async def remove(db: Database, key: str) -> bool:
    """Delete `key`; False if it was not there."""
    async with db.transaction() as conn:
        cursor = await conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        return cursor.rowcount == 1
