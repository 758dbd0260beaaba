"""The owner's data as tables: one row per survey (with every answer), purchases, referrals
and leads.

The rows stream from a connection of their own, in one read transaction: the tables
are one moment's data however long writing them takes, and the bot writes on meanwhile.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from analytics.export import Table
from core.clock import from_db
from storage.database import BUSY_TIMEOUT_MS
from storage.models import Question

_FETCH = 1000


SURVEY_HEADERS = (
    "survey_id",
    "status",
    "customer_id",
    "telegram_user_id",
    "first_name",
    "last_name",
    "username",
    "phone",
    "order_id",
    "store",
    "amount_minor",
    "currency",
    "purchased_at_utc",
    "sent_at_utc",
    "completed_at_utc",
    "nps",
    "csat",
    "satisfied_100",
    "what_to_fix",
    "upsell",
    "referral",
    "last_answer_at_utc",
)

PURCHASE_HEADERS = (
    "purchase_id",
    "order_id",
    "customer_id",
    "telegram_user_id",
    "phone",
    "amount_minor",
    "currency",
    "store",
    "source",
    "purchased_at_utc",
    "created_at_utc",
    "referrer_customer_id",
    "referrer_first_name",
)

REFERRAL_HEADERS = (
    "referral_id",
    "referrer_customer_id",
    "referrer_first_name",
    "survey_id",
    "kind",
    "name",
    "phone",
    "telegram_user_id",
    "note",
    "created_at_utc",
)


LEAD_HEADERS = (
    "lead_id",
    "kind",
    "status",
    "survey_id",
    "customer_id",
    "telegram_user_id",
    "first_name",
    "phone",
    "order_id",
    "store",
    "text",
    "contact_name",
    "contact_phone",
    "contact_telegram_id",
    "created_at_utc",
    "contacted_at_utc",
    "status_at_utc",
)


def _time(value: object) -> object:
    return from_db(value) if isinstance(value, str) and value else None


@contextmanager
def snapshot(path: Path) -> Iterator[list[Table]]:
    """The tables as of one moment; read them before the block ends, in any order."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("BEGIN")
        conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()  # the snapshot starts here
        yield [_surveys(conn), _purchases(conn), _referrals(conn), _leads(conn)]
    finally:
        conn.close()


def _rows(
    conn: sqlite3.Connection, sql: str, params: dict[str, str] | None = None
) -> Iterator[Sequence[object]]:
    cursor = conn.execute(sql, params or {})
    while True:
        batch = cursor.fetchmany(_FETCH)
        if not batch:
            return
        yield from batch


def _surveys(conn: sqlite3.Connection) -> Table:
    rows = _rows(
        conn,
        """SELECT s.id, s.status, c.id, c.telegram_user_id, c.first_name, c.last_name,
                  c.username, c.phone, p.order_id, p.store, p.amount_minor, p.currency,
                  p.purchased_at, s.sent_at, s.completed_at,
                  MAX(CASE WHEN a.question = :nps THEN a.score END),
                  MAX(CASE WHEN a.question = :csat THEN a.score END),
                  MAX(CASE WHEN a.question = :sat THEN a.choice END),
                  MAX(CASE WHEN a.question = :fix THEN a.text END),
                  MAX(CASE WHEN a.question = :upsell THEN COALESCE(a.text, a.choice) END),
                  MAX(CASE WHEN a.question = :ref THEN COALESCE(a.text, a.choice) END),
                  MAX(a.answered_at)
           FROM surveys s
           JOIN customers c ON c.id = s.customer_id
           LEFT JOIN purchases p ON p.id = s.purchase_id
           LEFT JOIN answers a ON a.survey_id = s.id
           GROUP BY s.id
           ORDER BY s.id""",
        {
            "nps": Question.NPS,
            "csat": Question.CSAT,
            "sat": Question.SATISFIED,
            "fix": Question.FIX,
            "upsell": Question.UPSELL,
            "ref": Question.REFERRAL,
        },
    )
    times = {12, 13, 14, 21}
    return Table(
        "surveys",
        SURVEY_HEADERS,
        ([_time(v) if i in times else v for i, v in enumerate(row)] for row in rows),
    )


def _purchases(conn: sqlite3.Connection) -> Table:
    rows = _rows(
        conn,
        """SELECT p.id, p.order_id, p.customer_id, c.telegram_user_id, c.phone, p.amount_minor,
                  p.currency, p.store, p.source, p.purchased_at, p.created_at,
                  c.referred_by, r.first_name
           FROM purchases p JOIN customers c ON c.id = p.customer_id
           LEFT JOIN customers r ON r.id = c.referred_by
           ORDER BY p.id""",
    )
    return Table(
        "purchases",
        PURCHASE_HEADERS,
        ([*row[:9], _time(row[9]), _time(row[10]), *row[11:]] for row in rows),
    )


def _referrals(conn: sqlite3.Connection) -> Table:
    rows = _rows(
        conn,
        """SELECT r.id, r.referrer_id, c.first_name, r.survey_id, r.kind, r.name, r.phone,
                  r.telegram_user_id, r.note, r.created_at
           FROM referrals r JOIN customers c ON c.id = r.referrer_id
           ORDER BY r.id""",
    )
    return Table(
        "referrals",
        REFERRAL_HEADERS,
        ([*row[:9], _time(row[9])] for row in rows),
    )


def _leads(conn: sqlite3.Connection) -> Table:
    """Every lead with its words: the answer's, or the referral's note and contact."""
    rows = _rows(
        conn,
        """SELECT l.id, l.kind, l.status, s.id, c.id, c.telegram_user_id, c.first_name,
                  c.phone, p.order_id, p.store,
                  COALESCE(r.note, CASE WHEN l.kind != 'referral' THEN a.text END),
                  r.name, r.phone, r.telegram_user_id, l.created_at, l.contacted_at,
                  l.status_at
           FROM leads l
           JOIN answers a ON a.id = l.answer_id
           JOIN surveys s ON s.id = a.survey_id
           JOIN customers c ON c.id = s.customer_id
           LEFT JOIN purchases p ON p.id = s.purchase_id
           LEFT JOIN referrals r ON r.id = l.referral_id
           ORDER BY l.id""",
    )
    return Table("leads", LEAD_HEADERS, ([*row[:14], *map(_time, row[14:])] for row in rows))
