"""Settings owners changed from the chat (/settings), on top of `.env`, with their history.

A row in `setting_overrides` is the value in force; `setting_changes` keeps every change
(who, when, the new value, or NULL for "back to the default").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from core.clock import from_db, to_db
from storage.database import fetch_all


@dataclass(frozen=True, slots=True)
class Override:
    name: str
    value: str
    changed_by: int
    changed_at: datetime


async def overrides(conn: aiosqlite.Connection) -> dict[str, Override]:
    rows = await fetch_all(conn, "SELECT * FROM setting_overrides ORDER BY name")
    return {
        row["name"]: Override(
            row["name"], row["value"], row["changed_by"], from_db(row["changed_at"])
        )
        for row in rows
    }


async def put(conn: aiosqlite.Connection, name: str, value: str, by: int, now: datetime) -> None:
    await conn.execute(
        """INSERT INTO setting_overrides (name, value, changed_by, changed_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET value = excluded.value,
               changed_by = excluded.changed_by, changed_at = excluded.changed_at""",
        (name, value, by, to_db(now)),
    )
    await _record(conn, name, value, by, now)


async def reset(conn: aiosqlite.Connection, name: str, by: int, now: datetime) -> bool:
    """Back to the `.env` value; False if it was not overridden."""
    cursor = await conn.execute("DELETE FROM setting_overrides WHERE name = ?", (name,))
    if cursor.rowcount == 0:
        return False
    await _record(conn, name, None, by, now)
    return True


async def _record(
    conn: aiosqlite.Connection, name: str, value: str | None, by: int, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO setting_changes (name, value, changed_by, changed_at) VALUES (?, ?, ?, ?)",
        (name, value, by, to_db(now)),
    )
