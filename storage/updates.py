"""Telegram update ids already acted on, so a redelivered update has one effect.

Claim the id inside the same transaction as the change it causes: if the process
dies before the commit, neither is stored and the redelivery is processed afresh.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import aiosqlite

from core.clock import to_db
from storage.database import Database, fetch_one

KEEP_FOR = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours

_CLAIM = "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)"


def claim(conn: sqlite3.Connection, update_id: int, now: datetime) -> bool:
    """True the first time an update id is seen, False for a repeat (inside
    `Database.run_transaction`)."""
    cursor = conn.execute(_CLAIM, (update_id, to_db(now)))
    return cursor.rowcount == 1


async def claim_alone(db: Database, update_id: int, now: datetime) -> bool:
    """`claim` as a transaction of its own, for an update whose handler changed nothing."""
    changed = await db.write_alone(_CLAIM, (update_id, to_db(now)))
    return changed == 1


async def highest(conn: aiosqlite.Connection) -> int | None:
    """The highest update id stored, or None while there is none."""
    row = await fetch_one(conn, "SELECT MAX(update_id) FROM processed_updates")
    return None if row is None else row[0]


async def seen(conn: aiosqlite.Connection, update_id: int) -> bool:
    row = await fetch_one(conn, "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,))
    return row is not None


async def forget_old(conn: aiosqlite.Connection, now: datetime) -> int:
    cursor = await conn.execute(
        "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(now - KEEP_FOR),)
    )
    return cursor.rowcount
