"""The owners' own wording of survey texts, one row per text and language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from core.clock import from_db, to_db
from storage.database import fetch_all


@dataclass(frozen=True, slots=True)
class CustomText:
    key: str
    language: str
    text: str
    changed_by: int
    changed_at: datetime


async def all_texts(conn: aiosqlite.Connection) -> list[CustomText]:
    rows = await fetch_all(conn, "SELECT * FROM custom_texts ORDER BY key, language")
    return [
        CustomText(
            row["key"], row["language"], row["text"], row["changed_by"], from_db(row["changed_at"])
        )
        for row in rows
    ]


async def put(conn: aiosqlite.Connection, text: CustomText) -> None:
    await conn.execute(
        """INSERT INTO custom_texts (key, language, text, changed_by, changed_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (key, language) DO UPDATE SET text = excluded.text,
               changed_by = excluded.changed_by, changed_at = excluded.changed_at""",
        (text.key, text.language, text.text, text.changed_by, to_db(text.changed_at)),
    )


async def remove(conn: aiosqlite.Connection, key: str, language: str) -> bool:
    cursor = await conn.execute(
        "DELETE FROM custom_texts WHERE key = ? AND language = ?", (key, language)
    )
    return cursor.rowcount == 1
