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
