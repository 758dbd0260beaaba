"""What /metrics counts from the database: surveys, answers, open alerts, webhooks, size.

Read at each scrape, so a restart loses nothing and two processes never disagree; the
counts walk indexes or one narrow table each (a few milliseconds at a million answers:
docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage import outbox
from storage.database import fetch_all, fetch_one


@dataclass(frozen=True, slots=True)
class OperatingCounts:
    surveys_sent: int
    surveys_completed: int
    surveys_expired: int
    answers: int
    alerts_open: int
    webhook: outbox.Totals
    database_bytes: int


async def read(conn: aiosqlite.Connection, database: Path) -> OperatingCounts:
    by_status = {
        row[0]: row[1]
        for row in await fetch_all(conn, "SELECT status, COUNT(*) FROM surveys GROUP BY status")
    }
    sent = await fetch_one(conn, "SELECT COUNT(*) FROM surveys WHERE sent_at IS NOT NULL")
    answers = await fetch_one(conn, "SELECT MAX(id) FROM answers")
    alerts = await fetch_one(conn, "SELECT COUNT(*) FROM alerts WHERE resolved_at IS NULL")
    return OperatingCounts(
        surveys_sent=int(sent[0]),
        surveys_completed=int(by_status.get("completed", 0)),
        surveys_expired=int(by_status.get("expired", 0)),
        answers=int(answers[0] or 0),
        alerts_open=int(alerts[0]),
        webhook=await outbox.totals(conn),
        database_bytes=_size(database),
    )


def _size(database: Path) -> int:
    """The database file with its write-ahead log: what it takes on disk."""
    return sum(
        path.stat().st_size
        for path in (database, database.with_name(database.name + "-wal"))
        if path.exists()
    )
