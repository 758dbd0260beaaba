"""The outbox of outgoing webhooks: events written with what they report, delivered later.

An event is written in the transaction of the change it reports (an answer, an alert
claimed, a lead won, ...), and with it one delivery per endpoint that wants it, so a crash
loses none and a rolled-back change sends none. With no endpoint that wants it nothing is
written: one small query is all an event costs a bot without webhooks.

An event row holds ids and the change itself (who claimed, which status), never a person's
words: the body is read from the tables when it is sent (storage.event_bodies), so a /forget
before delivery leaves nothing of the person in it. A delivery keeps its `message_id`
(the `webhook-id` header) across every attempt, so a receiver can drop repeats.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import aiosqlite

from core.clock import from_db, to_db
from storage.database import fetch_all, fetch_one

EVENT_TYPES = (
    "survey.completed",
    "alert.created",
    "alert.updated",
    "lead.created",
    "lead.updated",
    "referral.converted",
    "customer.opted_out",
    "customer.forgotten",
)
ALL_EVENTS = "*"
ERROR_LENGTH = 300
"""How much of a receiver's error is kept: enough to read, never a whole HTML page."""


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    subject_id: int  # the survey, alert, lead, purchase or customer the event is about
    change: Mapping[str, Any] = field(default_factory=dict)  # ids and states, no words


_WANTS = """disabled_at IS NULL
    AND (events = '*' OR instr(',' || events || ',', ',' || :type || ',') > 0)"""

_INSERT_EVENT = f"""
    INSERT INTO webhook_events (type, subject_id, change, occurred_at)
    SELECT :type, :subject, :change, :now
    WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE {_WANTS})
    RETURNING id"""

_FAN_OUT = f"""
    INSERT INTO webhook_deliveries (event_id, endpoint_id, message_id, next_attempt_at)
    SELECT :event, id, 'msg_' || lower(hex(randomblob(12))), :now
    FROM webhook_endpoints WHERE {_WANTS}"""


def _params(event: Event, now: datetime) -> dict[str, Any]:
    return {
        "type": event.type,
        "subject": event.subject_id,
        "change": json.dumps(dict(event.change), separators=(",", ":")),
        "now": to_db(now),
    }


def record_in_thread(conn: sqlite3.Connection, event: Event, now: datetime) -> None:
    """`record` inside `Database.run_transaction` (the answer's own transaction)."""
    params = _params(event, now)
    for row in conn.execute(_INSERT_EVENT, params).fetchall():
        conn.execute(_FAN_OUT, {**params, "event": row[0]})


async def record(conn: aiosqlite.Connection, event: Event, now: datetime) -> None:
    """Write `event` and its deliveries, in the caller's transaction, if an endpoint wants it."""
    params = _params(event, now)
    rows = await fetch_all(conn, _INSERT_EVENT, params)
    for row in rows:
        await conn.execute(_FAN_OUT, {**params, "event": row[0]})


# --- endpoints ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: int
    url: str
    secret: str
    events: tuple[str, ...]  # empty: every event
    from_env: bool
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None
    delivered: int
    failures: int  # failed attempts, all time
    last_error: str | None
    last_error_at: datetime | None
    last_delivered_at: datetime | None
    pending: int  # deliveries still to be made

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


def events_column(events: Sequence[str]) -> str:
    return ",".join(events) if events else ALL_EVENTS


_ENDPOINTS = """
    SELECT e.*, (SELECT COUNT(*) FROM webhook_deliveries d
                 WHERE d.endpoint_id = e.id AND d.state = 'pending') AS pending
    FROM webhook_endpoints e"""


def _endpoint(row: sqlite3.Row) -> Endpoint:
    def moment(name: str) -> datetime | None:
        return from_db(row[name]) if row[name] else None

    events = row["events"]
    return Endpoint(
        id=row["id"],
        url=row["url"],
        secret=row["secret"],
        events=() if events == ALL_EVENTS else tuple(events.split(",")),
        from_env=bool(row["from_env"]),
        created_at=from_db(row["created_at"]),
        disabled_at=moment("disabled_at"),
        disabled_reason=row["disabled_reason"],
        delivered=row["delivered"],
        failures=row["failures"],
        last_error=row["last_error"],
        last_error_at=moment("last_error_at"),
        last_delivered_at=moment("last_delivered_at"),
        pending=row["pending"],
    )


async def add(
    conn: aiosqlite.Connection, url: str, secret: str, events: Sequence[str], now: datetime
) -> Endpoint:
    rows = await fetch_all(
        conn,
        """INSERT INTO webhook_endpoints (url, secret, events, created_at)
           VALUES (?, ?, ?, ?) RETURNING id""",
        (url, secret, events_column(events), to_db(now)),
    )
    endpoint = await get(conn, rows[0][0])
    assert endpoint is not None
    return endpoint


async def get(conn: aiosqlite.Connection, endpoint_id: int) -> Endpoint | None:
    row = await fetch_one(conn, f"{_ENDPOINTS} WHERE e.id = ?", (endpoint_id,))
    return _endpoint(row) if row is not None else None


async def listing(conn: aiosqlite.Connection) -> list[Endpoint]:
    return [_endpoint(row) for row in await fetch_all(conn, f"{_ENDPOINTS} ORDER BY e.id")]


async def remove(conn: aiosqlite.Connection, endpoint_id: int) -> bool:
    """The endpoint and its deliveries go (one set in .env stays: .env brings it back)."""
    cursor = await conn.execute(
        "DELETE FROM webhook_endpoints WHERE id = ? AND from_env = 0", (endpoint_id,)
    )
    return cursor.rowcount == 1


async def keep_env_endpoint(
    conn: aiosqlite.Connection, url: str, secret: str, now: datetime
) -> None:
    """EVENTS_URL and EVENTS_SECRET as they are in .env now: added, changed (and enabled
    again), or removed with its deliveries when EVENTS_URL is empty."""
    if not url:
        await conn.execute("DELETE FROM webhook_endpoints WHERE from_env = 1")
        return
    await conn.execute(
        """INSERT INTO webhook_endpoints (url, secret, events, from_env, created_at)
           VALUES (:url, :secret, '*', 1, :now)
           ON CONFLICT (from_env) WHERE from_env = 1 DO UPDATE SET
               url = excluded.url, secret = excluded.secret,
               disabled_at = CASE WHEN url = excluded.url AND secret = excluded.secret
                                  THEN disabled_at END,
               disabled_reason = CASE WHEN url = excluded.url AND secret = excluded.secret
                                      THEN disabled_reason END""",
        {"url": url, "secret": secret, "now": to_db(now)},
    )


async def disable(conn: aiosqlite.Connection, endpoint_id: int, reason: str, now: datetime) -> bool:
    """No more deliveries to it: its pending ones are dropped. False if it was disabled."""
    stamp = to_db(now)
    cursor = await conn.execute(
        """UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ?
           WHERE id = ? AND disabled_at IS NULL""",
        (stamp, reason[:ERROR_LENGTH], endpoint_id),
    )
    await conn.execute(
        """UPDATE webhook_deliveries SET state = 'dropped', finished_at = ?
           WHERE endpoint_id = ? AND state = 'pending'""",
        (stamp, endpoint_id),
    )
    return cursor.rowcount == 1


# --- deliveries ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """A delivery whose next attempt is due, with what sending it needs."""

    delivery_id: int
    event_id: int
    message_id: str
    attempts: int  # made before this one
    endpoint_id: int
    url: str
    secret: str
    event: Event
    occurred_at: datetime


async def due(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[Due]:
    rows = await fetch_all(
        conn,
        """SELECT d.id, d.message_id, d.attempts, e.id, e.url, e.secret,
                  v.type, v.subject_id, v.change, v.occurred_at, v.id
           FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.id = d.endpoint_id
           JOIN webhook_events v ON v.id = d.event_id
           WHERE d.state = 'pending' AND d.next_attempt_at <= ?
           ORDER BY d.next_attempt_at, d.id LIMIT ?""",
        (to_db(now), limit),
    )
    return [
        Due(
            delivery_id=row[0],
            event_id=row[10],
            message_id=row[1],
            attempts=row[2],
            endpoint_id=row[3],
            url=row[4],
            secret=row[5],
            event=Event(row[6], row[7], json.loads(row[8])),
            occurred_at=from_db(row[9]),
        )
        for row in rows
    ]


async def next_attempt_at(conn: aiosqlite.Connection) -> datetime | None:
    row = await fetch_one(
        conn, "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'"
    )
    return from_db(row[0]) if row[0] else None


class Outcome(Enum):
    DELIVERED = "delivered"
    FAILED = "failed"  # tried again at `retry_at`, or given up without one
    GONE = "gone"  # the receiver answered 410: the endpoint is disabled
    POSTPONED = "postponed"  # not tried: its endpoint failed just before; moved to `retry_at`


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: int
    endpoint_id: int
    outcome: Outcome
    error: str | None = None
    retry_at: datetime | None = None


async def save_attempts(
    conn: aiosqlite.Connection, attempts: Sequence[Attempt], now: datetime
) -> list[int]:
    """Each attempt's result; the ids of endpoints disabled by a 410 now.

    A turn's deliveries are written a statement per kind (executemany), so the write lock
    the answers also need is held for milliseconds, however many were delivered."""
    stamp = to_db(now)
    delivered = [a for a in attempts if a.outcome is Outcome.DELIVERED]
    await conn.executemany(
        """UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1,
               last_error = NULL, finished_at = ? WHERE id = ?""",
        [(stamp, a.delivery_id) for a in delivered],
    )
    per_endpoint = Counter(a.endpoint_id for a in delivered)
    await conn.executemany(
        """UPDATE webhook_endpoints SET delivered = delivered + ?, last_delivered_at = ?
           WHERE id = ?""",
        [(count, stamp, endpoint_id) for endpoint_id, count in per_endpoint.items()],
    )
    await conn.executemany(
        "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?",
        [
            (to_db(a.retry_at), a.delivery_id)
            for a in attempts
            if a.outcome is Outcome.POSTPONED and a.retry_at is not None
        ],
    )
    disabled = []
    for attempt in attempts:
        if attempt.outcome in (Outcome.FAILED, Outcome.GONE):
            await _save_failure(conn, attempt, now)
            if attempt.outcome is Outcome.GONE:
                error = attempt.error or attempt.outcome.value
                if await disable(conn, attempt.endpoint_id, error, now):
                    disabled.append(attempt.endpoint_id)
    return disabled


async def _save_failure(conn: aiosqlite.Connection, attempt: Attempt, now: datetime) -> None:
    stamp = to_db(now)
    error = (attempt.error or attempt.outcome.value)[:ERROR_LENGTH]
    retry_at = attempt.retry_at if attempt.outcome is Outcome.FAILED else None
    await conn.execute(
        """UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = :error,
               state = CASE WHEN :retry_at IS NULL THEN 'failed' ELSE 'pending' END,
               next_attempt_at = COALESCE(:retry_at, next_attempt_at),
               finished_at = CASE WHEN :retry_at IS NULL THEN :now END
           WHERE id = :id""",
        {
            "error": error,
            "retry_at": to_db(retry_at) if retry_at else None,
            "now": stamp,
            "id": attempt.delivery_id,
        },
    )
    await conn.execute(
        """UPDATE webhook_endpoints SET failures = failures + 1, last_error = ?,
               last_error_at = ? WHERE id = ?""",
        (error, stamp, attempt.endpoint_id),
    )


async def purge_finished(conn: aiosqlite.Connection, before: datetime) -> int:
    """Deliveries finished before `before` go, then events no delivery needs any more."""
    cursor = await conn.execute(
        "DELETE FROM webhook_deliveries WHERE finished_at IS NOT NULL AND finished_at < ?",
        (to_db(before),),
    )
    await conn.execute(
        """DELETE FROM webhook_events WHERE NOT EXISTS
               (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)"""
    )
    return cursor.rowcount


@dataclass(frozen=True, slots=True)
class Totals:
    delivered: int
    failures: int  # failed attempts
    pending: int


async def totals(conn: aiosqlite.Connection) -> Totals:
    row = await fetch_one(
        conn,
        """SELECT (SELECT COALESCE(SUM(delivered), 0) FROM webhook_endpoints),
                  (SELECT COALESCE(SUM(failures), 0) FROM webhook_endpoints),
                  (SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending')""",
    )
    return Totals(int(row[0]), int(row[1]), int(row[2]))
