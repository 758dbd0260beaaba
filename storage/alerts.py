"""Alerts of a low score (a detractor's NPS, a low CSAT: ALERT_ON): opened with the score in
the same transaction, then handled by staff.

An alert belongs to one survey. It remembers who said "I'll handle it" and who resolved it,
and which message shows it in each owner's chat, so every copy can be edited as it changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from core.clock import from_db, to_db
from storage import outbox
from storage.database import fetch_all, fetch_one
from storage.models import Answer, Question
from storage.paging import Cursor, start_of


@dataclass(frozen=True, slots=True)
class AlertView:
    """Everything an alert message shows; personal fields are for the owners' eyes only."""

    id: int
    survey_id: int
    question: Question  # the answer that raised it: NPS or CSAT
    score: int
    created_at: datetime
    claimed_by: int | None
    resolved_by: int | None
    resolved_at: datetime | None
    customer_telegram_id: int | None
    customer_first_name: str | None
    customer_last_name: str | None
    customer_username: str | None
    customer_phone: str | None
    order_id: str | None
    store: str | None
    comment: str | None  # the answer to "what should we fix?", once given

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> AlertView:
        return cls(
            id=row["id"],
            survey_id=row["survey_id"],
            question=Question(row["question"]),
            score=row["score"],
            created_at=from_db(row["created_at"]),
            claimed_by=row["claimed_by"],
            resolved_by=row["resolved_by"],
            resolved_at=from_db(row["resolved_at"]) if row["resolved_at"] else None,
            customer_telegram_id=row["telegram_user_id"],
            customer_first_name=row["first_name"],
            customer_last_name=row["last_name"],
            customer_username=row["username"],
            customer_phone=row["phone"],
            order_id=row["order_id"],
            store=row["store"],
            comment=row["comment"],
        )


_VIEW = """
SELECT a.*, c.telegram_user_id, c.first_name, c.last_name, c.username, c.phone,
       p.order_id, p.store,
       (SELECT text FROM answers WHERE survey_id = a.survey_id AND question = 'fix') AS comment
FROM alerts a
JOIN surveys s ON s.id = a.survey_id
JOIN customers c ON c.id = s.customer_id
LEFT JOIN purchases p ON p.id = s.purchase_id
"""


def open_for(conn: sqlite3.Connection, survey_id: int, answer: Answer, now: datetime) -> int | None:
    """Open the survey's alert for a low score (ALERT_ON); its id, or None if the survey has
    one already (inside `Database.run_transaction`)."""
    rows = conn.execute(
        """INSERT INTO alerts (survey_id, question, score, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (survey_id) DO NOTHING RETURNING id""",
        (survey_id, answer.question, answer.score, to_db(now)),
    ).fetchall()
    for row in rows:
        outbox.record_in_thread(conn, outbox.Event("alert.created", row[0]), now)
        return int(row[0])
    return None


async def get(conn: aiosqlite.Connection, alert_id: int) -> AlertView | None:
    row = await fetch_one(conn, _VIEW + "WHERE a.id = ?", (alert_id,))
    return AlertView.from_row(row) if row else None


async def for_survey(conn: aiosqlite.Connection, survey_id: int) -> AlertView | None:
    row = await fetch_one(conn, _VIEW + "WHERE a.survey_id = ?", (survey_id,))
    return AlertView.from_row(row) if row else None


async def claim(conn: aiosqlite.Connection, alert_id: int, user_id: int, now: datetime) -> bool:
    """Record who handles an open alert (the first to say so keeps it); False if it is
    resolved (or gone)."""
    rows = await fetch_all(
        conn,
        """UPDATE alerts SET claimed_by = COALESCE(claimed_by, :user),
               claimed_at = COALESCE(claimed_at, :now)
           WHERE id = :id AND resolved_at IS NULL
           RETURNING claimed_by = :user AND claimed_at = :now""",
        {"user": user_id, "now": to_db(now), "id": alert_id},
    )
    if not rows:
        return False
    if rows[0][0]:  # claimed now, not before
        change = {"action": "claimed", "by": user_id}
        await outbox.record(conn, outbox.Event("alert.updated", alert_id, change), now)
    return True


async def resolve(conn: aiosqlite.Connection, alert_id: int, user_id: int, now: datetime) -> bool:
    """Close an open alert; False if it was resolved already (or is gone)."""
    cursor = await conn.execute(
        "UPDATE alerts SET resolved_by = ?, resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
        (user_id, to_db(now), alert_id),
    )
    if cursor.rowcount != 1:
        return False
    change = {"action": "resolved", "by": user_id}
    await outbox.record(conn, outbox.Event("alert.updated", alert_id, change), now)
    return True


async def messages(conn: aiosqlite.Connection, alert_id: int) -> dict[int, int]:
    """chat id → message id of every copy of the alert sent so far."""
    rows = await fetch_all(
        conn, "SELECT chat_id, message_id FROM alert_messages WHERE alert_id = ?", (alert_id,)
    )
    return {row["chat_id"]: row["message_id"] for row in rows}


async def add_message(
    conn: aiosqlite.Connection, alert_id: int, chat_id: int, message_id: int
) -> None:
    await conn.execute(
        """INSERT INTO alert_messages (alert_id, chat_id, message_id) VALUES (?, ?, ?)
           ON CONFLICT (alert_id, chat_id) DO UPDATE SET message_id = excluded.message_id""",
        (alert_id, chat_id, message_id),
    )


async def owed(
    conn: aiosqlite.Connection, raised: tuple[datetime, datetime], owner_ids: Iterable[int]
) -> list[int]:
    """Open alerts raised in [from, to) that some owner has no copy of, oldest first."""
    owners = sorted(set(owner_ids))
    if not owners:
        return []
    marks = ", ".join("?" * len(owners))
    rows = await fetch_all(
        conn,
        f"""SELECT a.id FROM alerts a
            WHERE a.resolved_at IS NULL AND a.created_at >= ? AND a.created_at < ?
              AND (SELECT COUNT(*) FROM alert_messages m
                   WHERE m.alert_id = a.id AND m.chat_id IN ({marks})) < ?
            ORDER BY a.id""",
        (to_db(raised[0]), to_db(raised[1]), *owners, len(owners)),
    )
    return [row[0] for row in rows]


async def claim_reminders(
    conn: aiosqlite.Connection, created_before: datetime, now: datetime, limit: int = 100
) -> list[int]:
    """Mark open alerts older than `created_before` as reminded, once; their ids.

    Only alerts with a copy in an owner's chat: the reminder answers that copy. One that
    reached nobody (no owner had started the bot) is not claimed only to be given back at
    every tick, and cannot stand in the way of the alerts after it.
    """
    rows = await conn.execute_fetchall(
        """UPDATE alerts SET reminded_at = ?
           WHERE id IN (SELECT id FROM alerts
                        WHERE resolved_at IS NULL AND reminded_at IS NULL AND created_at < ?
                          AND EXISTS (SELECT 1 FROM alert_messages m
                                      WHERE m.alert_id = alerts.id)
                        ORDER BY id LIMIT ?)
           RETURNING id""",
        (to_db(now), to_db(created_before), limit),
    )
    return sorted(int(row[0]) for row in rows)


async def unmark_reminded(conn: aiosqlite.Connection, alert_id: int) -> None:
    await conn.execute("UPDATE alerts SET reminded_at = NULL WHERE id = ?", (alert_id,))


ALERT_STATES = ("open", "claimed", "resolved")
"""Waiting for someone, in someone's hands ("I'll handle it"), resolved."""
_STATE_WHERE = {
    "open": "a.resolved_at IS NULL AND a.claimed_by IS NULL",
    "claimed": "a.resolved_at IS NULL AND a.claimed_by IS NOT NULL",
    "resolved": "a.resolved_at IS NOT NULL",
}


async def listing(
    conn: aiosqlite.Connection, state: str, after: Cursor | None, limit: int
) -> tuple[list[AlertView], Cursor | None]:
    """The newest alerts in `state` raised before `after` (the newest for None), and the
    cursor of the next page (None: the last)."""
    stamp, row_id = start_of(after)
    index = "alerts_created" if state == "resolved" else "alerts_open"
    rows = await fetch_all(
        conn,
        f"""{_VIEW.replace("FROM alerts a", f"FROM alerts a INDEXED BY {index}")}
            WHERE {_STATE_WHERE[state]} AND (a.created_at, a.id) < (?, ?)
            ORDER BY a.created_at DESC, a.id DESC LIMIT ?""",
        (stamp, row_id, limit + 1),
    )
    more = len(rows) > limit
    views = [AlertView.from_row(row) for row in rows[:limit]]
    cursor = Cursor(rows[limit - 1]["created_at"], rows[limit - 1]["id"]) if more else None
    return views, cursor


async def state_counts(conn: aiosqlite.Connection) -> dict[str, int]:
    """How many alerts are open and in hand right now (the resolved are not counted)."""
    row = await fetch_one(
        conn,
        """SELECT COALESCE(SUM(claimed_by IS NULL), 0), COALESCE(SUM(claimed_by IS NOT NULL), 0)
           FROM alerts INDEXED BY alerts_open WHERE resolved_at IS NULL""",
    )
    return {"open": int(row[0]), "claimed": int(row[1])}
