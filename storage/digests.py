"""Which owner got which digest: one row per period and owner, so each goes out once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from core.clock import to_db
from storage.database import fetch_all


async def unsent(
    conn: aiosqlite.Connection, period_start: datetime, owner_ids: Iterable[int]
) -> list[int]:
    """Owners who have not been sent the digest of the period starting at `period_start`."""
    owners = sorted(set(owner_ids))
    if not owners:
        return []
    rows = await fetch_all(
        conn,
        "SELECT chat_id FROM digests WHERE period_start = ? AND sent_at IS NOT NULL",
        (to_db(period_start),),
    )
    sent = {row[0] for row in rows}
    return [owner for owner in owners if owner not in sent]


async def mark_sent(
    conn: aiosqlite.Connection, period_start: datetime, chat_id: int, now: datetime
) -> None:
    await conn.execute(
        """INSERT INTO digests (period_start, chat_id, claimed_at, sent_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (period_start, chat_id) DO UPDATE SET sent_at = excluded.sent_at""",
        (to_db(period_start), chat_id, to_db(now), to_db(now)),
    )
