"""Leads: what the follow-up answers bring in, as work with a status.

A lead opens in the answer's own transaction (storage.answering): a wish for something
else to buy, what to fix, a person recommended. It holds no words of its own: they are
the answer's and the referral's, so forgetting a customer or erasing old text
(storage.erasure) leaves the lead, its status and nothing personal.

Contacted, Won and Not interested can be pressed in any order, to correct a slip too;
`contacted_at` keeps the first time anyone reached the customer, for the digest's count.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

import aiosqlite

from analytics.report import LeadFigures
from core.clock import from_db, to_db
from core.period import Period
from storage import outbox
from storage.database import fetch_all, fetch_one
from storage.models import Question

LeadKind = Literal["upsell", "fix", "referral"]

PAGE = 5
"""Lead cards sent by one /leads (or one "Older leads" press): a chat takes about one
message a second."""


class LeadStatus(StrEnum):
    OPEN = "open"
    CONTACTED = "contacted"
    WON = "won"
    LOST = "lost"  # "Not interested"


@dataclass(frozen=True, slots=True)
class LeadView:
    """Everything a lead card shows; personal fields are for the staff's eyes only."""

    id: int
    kind: LeadKind
    status: LeadStatus
    created_at: datetime
    status_at: datetime | None
    status_by: int | None
    customer_telegram_id: int | None
    customer_first_name: str | None
    customer_last_name: str | None
    customer_username: str | None
    customer_phone: str | None
    order_id: str | None
    store: str | None
    amount_minor: int | None
    currency: str | None
    text: str | None  # the wish, the fix, or the note about the person recommended
    contact_name: str | None  # a person recommended as a Telegram contact
    contact_phone: str | None
    contact_telegram_id: int | None

    @property
    def is_open(self) -> bool:
        return self.status is LeadStatus.OPEN


def open_in_thread(
    conn: sqlite3.Connection,
    kind: LeadKind,
    answer_id: int,
    now: datetime,
    referral_id: int | None = None,
) -> int:
    """Inside `Database.run_transaction`, with the answer that brings the lead; its id."""
    cursor = conn.execute(
        "INSERT INTO leads (kind, answer_id, referral_id, created_at) VALUES (?, ?, ?, ?)",
        (kind, answer_id, referral_id, to_db(now)),
    )
    lead_id = cursor.lastrowid
    assert lead_id is not None
    outbox.record_in_thread(conn, outbox.Event("lead.created", lead_id), now)
    return lead_id


def kind_of(question: Question) -> LeadKind | None:
    """The lead a written answer to `question` brings, if any."""
    kinds: dict[Question, LeadKind] = {
        Question.FIX: "fix",
        Question.UPSELL: "upsell",
        Question.REFERRAL: "referral",
    }
    return kinds.get(question)


_VIEW = """
    SELECT l.id, l.kind, l.status, l.created_at, l.status_at, l.status_by,
           c.telegram_user_id, c.first_name, c.last_name, c.username, c.phone,
           p.order_id, COALESCE(st.name, p.store) AS store, p.amount_minor, p.currency,
           COALESCE(r.note, CASE WHEN l.kind != 'referral' THEN a.text END) AS text,
           r.name, r.phone, r.telegram_user_id
    FROM leads l
    JOIN answers a ON a.id = l.answer_id
    JOIN surveys s ON s.id = a.survey_id
    JOIN customers c ON c.id = s.customer_id
    LEFT JOIN purchases p ON p.id = s.purchase_id
    LEFT JOIN stores st ON st.key = p.store_key
    LEFT JOIN referrals r ON r.id = l.referral_id"""


def _view(row: sqlite3.Row) -> LeadView:
    return LeadView(
        id=row[0],
        kind=row[1],
        status=LeadStatus(row[2]),
        created_at=from_db(row[3]),
        status_at=from_db(row[4]) if row[4] else None,
        status_by=row[5],
        customer_telegram_id=row[6],
        customer_first_name=row[7],
        customer_last_name=row[8],
        customer_username=row[9],
        customer_phone=row[10],
        order_id=row[11],
        store=row[12],
        amount_minor=row[13],
        currency=row[14],
        text=row[15],
        contact_name=row[16],
        contact_phone=row[17],
        contact_telegram_id=row[18],
    )


async def get(conn: aiosqlite.Connection, lead_id: int) -> LeadView | None:
    row = await fetch_one(conn, f"{_VIEW} WHERE l.id = ?", (lead_id,))
    return _view(row) if row is not None else None


async def page(
    conn: aiosqlite.Connection, *, open_only: bool, before: int | None, limit: int = PAGE
) -> list[LeadView]:
    """The newest leads with ids below `before` (all of them for None)."""
    rows = await fetch_all(
        conn,
        f"""{_VIEW}
            WHERE l.id < :before AND (:everything OR l.status = 'open')
            ORDER BY l.id DESC LIMIT :limit""",
        {"before": before or 2**63 - 1, "everything": not open_only, "limit": limit},
    )
    return [_view(row) for row in rows]


async def count(conn: aiosqlite.Connection, *, open_only: bool) -> int:
    sql = "SELECT COUNT(*) FROM leads" + (" WHERE status = 'open'" if open_only else "")
    row = await fetch_one(conn, sql)
    return int(row[0])


async def set_status(
    conn: aiosqlite.Connection, lead_id: int, status: LeadStatus, staff_id: int, now: datetime
) -> bool:
    """Whether the status changed (pressing the current one changes nothing)."""
    stamp = to_db(now)
    cursor = await conn.execute(
        """UPDATE leads SET status = :status, status_at = :now, status_by = :staff,
               contacted_at = CASE WHEN :status = 'open' THEN contacted_at
                                   ELSE COALESCE(contacted_at, :now) END
           WHERE id = :id AND status != :status""",
        {"status": status, "now": stamp, "staff": staff_id, "id": lead_id},
    )
    if cursor.rowcount == 0:
        return False
    change = {"status": str(status), "by": staff_id}
    await outbox.record(conn, outbox.Event("lead.updated", lead_id, change), now)
    return True


async def figures(conn: aiosqlite.Connection, period: Period) -> LeadFigures:
    row = await fetch_one(
        conn,
        """SELECT (SELECT COUNT(*) FROM leads WHERE created_at >= :start AND created_at < :end),
                  (SELECT COUNT(*) FROM leads
                   WHERE contacted_at >= :start AND contacted_at < :end),
                  (SELECT COUNT(*) FROM leads
                   WHERE status = 'won' AND status_at >= :start AND status_at < :end),
                  (SELECT COUNT(*) FROM leads WHERE status = 'open')""",
        {"start": to_db(period.start), "end": to_db(period.end)},
    )
    return LeadFigures(*(int(value) for value in row))
