"""What each outgoing event says: its JSON, read from the tables when it is sent.

The shape follows Standard Webhooks' recommendation, `{"type", "timestamp", "data"}`;
docs/events.md shows every event with an example. Reading at send time is what keeps a
person's data out of an event sent after their /forget: what is erased from the tables is
erased from the event. Times are UTC ISO 8601 as stored; money is in minor units with its
currency; a person's fields are null once forgotten.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from analytics.nps import categorize
from core.clock import to_db
from storage.database import fetch_all, fetch_one
from storage.outbox import Event

Json = dict[str, Any]

_CUSTOMER = """SELECT id, telegram_user_id, first_name, last_name, username, phone, language,
                      referred_by, opted_out_at, forgotten_at
               FROM customers WHERE id = ?"""

_PURCHASE = """SELECT p.id, p.order_id, p.amount_minor, p.currency, p.purchased_at, p.source,
                      p.store_key, COALESCE(st.name, p.store)
               FROM purchases p LEFT JOIN stores st ON st.key = p.store_key WHERE p.id = ?"""


async def body(conn: aiosqlite.Connection, event: Event, occurred_at: datetime) -> Json:
    """The event's JSON object as a receiver gets it."""
    family = event.type.split(".")[0]
    readers = {
        "survey": _survey,
        "alert": _alert,
        "lead": _lead,
        "referral": _referral,
        "customer": _customer_only,
    }
    data = await readers[family](conn, event)
    return {"type": event.type, "timestamp": to_db(occurred_at), "data": data}


async def _customer(conn: aiosqlite.Connection, customer_id: int | None) -> Json | None:
    if customer_id is None:
        return None
    row = await fetch_one(conn, _CUSTOMER, (customer_id,))
    if row is None:
        return {"id": customer_id}
    return {
        "id": row[0],
        "telegram_user_id": row[1],
        "first_name": row[2],
        "last_name": row[3],
        "username": row[4],
        "phone": row[5],
        "language": row[6],
        "referred_by": row[7],
        "opted_out": row[8] is not None,
        "forgotten": row[9] is not None,
    }


async def _purchase(conn: aiosqlite.Connection, purchase_id: int | None) -> Json | None:
    if purchase_id is None:
        return None
    row = await fetch_one(conn, _PURCHASE, (purchase_id,))
    if row is None:
        return {"id": purchase_id}
    return {
        "id": row[0],
        "order_id": row[1],
        "amount_minor": row[2],
        "currency": row[3],
        "purchased_at": row[4],
        "source": row[5],
        "store": {"key": row[6], "name": row[7]} if row[6] else None,
    }


async def _survey(conn: aiosqlite.Connection, event: Event) -> Json:
    survey = await fetch_one(
        conn,
        "SELECT id, customer_id, purchase_id, sent_at, completed_at FROM surveys WHERE id = ?",
        (event.subject_id,),
    )
    if survey is None:
        return {"survey": {"id": event.subject_id}}
    answers = await fetch_all(
        conn,
        """SELECT a.question, a.score, a.choice, a.text, a.answered_at, t.themes
           FROM answers a LEFT JOIN answer_topics t ON t.answer_id = a.id
           WHERE a.survey_id = ? ORDER BY a.id""",
        (survey[0],),
    )
    scores = {row[0]: row[1] for row in answers if row[0] in ("nps", "csat")}
    themes = sorted({theme for row in answers if row[5] for theme in json.loads(row[5])})
    referral = await _referral_named(conn, "survey_id", survey[0])
    return {
        "survey": {"id": survey[0], "sent_at": survey[3], "completed_at": survey[4]},
        "scores": {"nps": scores.get("nps"), "csat": scores.get("csat")},
        "nps_group": categorize(scores["nps"]) if scores.get("nps") is not None else None,
        "answers": [
            {"question": r[0], "score": r[1], "choice": r[2], "text": r[3], "answered_at": r[4]}
            for r in answers
        ],
        "themes": themes,
        "referral": referral,
        "customer": await _customer(conn, survey[1]),
        "purchase": await _purchase(conn, survey[2]),
    }


async def _referral_named(conn: aiosqlite.Connection, column: str, value: int) -> Json | None:
    """The person a customer recommended: the referral row whose `column` is `value`."""
    row = await fetch_one(
        conn,
        f"SELECT id, kind, name, phone, telegram_user_id, note FROM referrals WHERE {column} = ?",
        (value,),
    )
    if row is None:
        return None
    return {
        "id": row[0],
        "kind": row[1],
        "name": row[2],
        "phone": row[3],
        "telegram_user_id": row[4],
        "note": row[5],
    }


async def _survey_ids(conn: aiosqlite.Connection, survey_id: int) -> tuple[int | None, int | None]:
    row = await fetch_one(
        conn, "SELECT customer_id, purchase_id FROM surveys WHERE id = ?", (survey_id,)
    )
    return (row[0], row[1]) if row is not None else (None, None)


async def _alert(conn: aiosqlite.Connection, event: Event) -> Json:
    row = await fetch_one(
        conn,
        """SELECT a.id, a.survey_id, a.question, a.score, a.created_at, a.claimed_by,
                  a.claimed_at, a.resolved_by, a.resolved_at,
                  (SELECT text FROM answers WHERE survey_id = a.survey_id AND question = 'fix')
           FROM alerts a WHERE a.id = ?""",
        (event.subject_id,),
    )
    if row is None:
        return {"alert": {"id": event.subject_id}, "change": dict(event.change)}
    customer_id, purchase_id = await _survey_ids(conn, row[1])
    state = "resolved" if row[8] else "claimed" if row[5] else "open"
    return {
        "alert": {
            "id": row[0],
            "survey_id": row[1],
            "question": row[2],
            "score": row[3],
            "state": state,
            "created_at": row[4],
            "claimed_by": row[5],
            "claimed_at": row[6],
            "resolved_by": row[7],
            "resolved_at": row[8],
            "comment": row[9],
        },
        "change": dict(event.change),
        "customer": await _customer(conn, customer_id),
        "purchase": await _purchase(conn, purchase_id),
    }


async def _lead(conn: aiosqlite.Connection, event: Event) -> Json:
    row = await fetch_one(
        conn,
        """SELECT l.id, l.kind, l.status, l.created_at, l.status_at, l.status_by, a.survey_id,
                  CASE WHEN l.kind != 'referral' THEN a.text END, l.referral_id
           FROM leads l JOIN answers a ON a.id = l.answer_id WHERE l.id = ?""",
        (event.subject_id,),
    )
    if row is None:
        return {"lead": {"id": event.subject_id}, "change": dict(event.change)}
    customer_id, purchase_id = await _survey_ids(conn, row[6])
    referral = await _referral_named(conn, "id", row[8]) if row[8] is not None else None
    return {
        "lead": {
            "id": row[0],
            "kind": row[1],
            "status": row[2],
            "created_at": row[3],
            "status_at": row[4],
            "status_by": row[5],
            "survey_id": row[6],
            "text": row[7],
            "referral": referral,
        },
        "change": dict(event.change),
        "customer": await _customer(conn, customer_id),
        "purchase": await _purchase(conn, purchase_id),
    }


async def _referral(conn: aiosqlite.Connection, event: Event) -> Json:
    """referral.converted: a friend who came by a customer's link made a first purchase."""
    change = dict(event.change)
    return {
        "referrer": await _customer(conn, change.get("referrer_id")),
        "friend": await _customer(conn, change.get("friend_id")),
        "purchase": await _purchase(conn, event.subject_id),
    }


async def _customer_only(conn: aiosqlite.Connection, event: Event) -> Json:
    """customer.opted_out and customer.forgotten carry ids only."""
    return {"customer": {"id": event.subject_id}}
