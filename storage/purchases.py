"""Purchases: money in integer minor units with a currency code, idempotent on order id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from core.clock import to_db
from storage import stores
from storage.database import fetch_one
from storage.models import Purchase


@dataclass(frozen=True, slots=True)
class NewPurchase:
    """A purchase as it arrives from any intake path."""

    customer_id: int
    amount_minor: int | None
    currency: str
    purchased_at: datetime
    source: str
    order_id: str | None = None
    store: str | None = None
    request_hash: str | None = None  # the intake API's fingerprint of the request body

    def same_as(self, stored: Purchase, stored_hash: str | None = None) -> bool:
        """Whether a replay carries the same data as what is stored under its order id."""
        if self.request_hash is not None and stored_hash is not None:
            return self.request_hash == stored_hash
        return (
            stored.customer_id == self.customer_id
            and stored.amount_minor == self.amount_minor
            and stored.currency == self.currency
            and stored.store == self.store
        )


async def get(conn: aiosqlite.Connection, purchase_id: int) -> Purchase | None:
    row = await fetch_one(conn, "SELECT * FROM purchases WHERE id = ?", (purchase_id,))
    return Purchase.from_row(row) if row else None


async def get_with_reply(
    conn: aiosqlite.Connection, order_id: str
) -> tuple[Purchase, str | None, str | None] | None:
    """The purchase stored under an order id with its request hash and stored answer.

    One query and one trip to the database thread.
    """
    rows = await conn.execute_fetchall("SELECT * FROM purchases WHERE order_id = ?", (order_id,))
    for row in rows:
        return Purchase.from_row(row), row["request_hash"], row["response"]
    return None


async def insert_new(
    conn: aiosqlite.Connection, purchase: NewPurchase, now: datetime
) -> Purchase | None:
    """Store a purchase and return it as stored; None if its order id is taken already."""
    key = await stores.key_for(conn, purchase.store)
    rows = list(
        await conn.execute_fetchall(
            """INSERT INTO purchases (customer_id, order_id, amount_minor, currency, store,
               store_key, source, purchased_at, created_at, request_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (order_id) DO NOTHING
           RETURNING *""",
            (
                purchase.customer_id,
                purchase.order_id,
                purchase.amount_minor,
                purchase.currency,
                purchase.store,
                key,
                purchase.source,
                to_db(purchase.purchased_at),
                to_db(now),
                purchase.request_hash,
            ),
        )
    )
    if not rows:
        return None
    if key is not None and purchase.store is not None:
        await stores.remember(conn, key, purchase.store, now)
    return Purchase.from_row(rows[0])


async def set_response(conn: aiosqlite.Connection, purchase_id: int, response: str) -> None:
    """Keep the intake API's first answer, so a replay gets the very same body."""
    await conn.execute("UPDATE purchases SET response = ? WHERE id = ?", (response, purchase_id))


async def same_scan_since(
    conn: aiosqlite.Connection, purchase: NewPurchase, since: datetime
) -> Purchase | None:
    """A purchase this customer recorded from the same QR code (same store, no order id,
    same amount) at or after `since`: the day's visit, scanned again."""
    row = await fetch_one(
        conn,
        """SELECT * FROM purchases
           WHERE customer_id = ? AND source = ? AND order_id IS NULL
             AND store IS ? AND amount_minor IS ? AND purchased_at >= ?
           ORDER BY purchased_at LIMIT 1""",
        (
            purchase.customer_id,
            purchase.source,
            purchase.store,
            purchase.amount_minor,
            to_db(since),
        ),
    )
    return Purchase.from_row(row) if row else None
