"""Customers: people who started the bot (and, later, people known only by phone)."""

from __future__ import annotations

import secrets
from datetime import datetime

import aiosqlite

from core.clock import to_db
from storage import outbox
from storage.database import fetch_one
from storage.models import Customer

REFERRAL_CODE_BYTES = 6  # 8 url-safe characters: fits a deep link with room to spare


def new_referral_code() -> str:
    return secrets.token_urlsafe(REFERRAL_CODE_BYTES)


async def get(conn: aiosqlite.Connection, customer_id: int) -> Customer | None:
    row = await fetch_one(conn, "SELECT * FROM customers WHERE id = ?", (customer_id,))
    return Customer.from_row(row) if row else None


async def get_by_telegram_id(conn: aiosqlite.Connection, telegram_user_id: int) -> Customer | None:
    row = await fetch_one(
        conn, "SELECT * FROM customers WHERE telegram_user_id = ?", (telegram_user_id,)
    )
    return Customer.from_row(row) if row else None


async def get_by_referral_code(conn: aiosqlite.Connection, code: str) -> Customer | None:
    row = await fetch_one(conn, "SELECT * FROM customers WHERE referral_code = ?", (code,))
    return Customer.from_row(row) if row else None


async def upsert_started(
    conn: aiosqlite.Connection,
    *,
    telegram_user_id: int,
    first_name: str | None,
    last_name: str | None,
    username: str | None,
    language: str,
    now: datetime,
) -> tuple[Customer, bool]:
    """Record that this Telegram user started the bot; return (customer, is_new)."""
    existing = await get_by_telegram_id(conn, telegram_user_id)
    stamp = to_db(now)
    if existing is None:
        await conn.execute(
            """INSERT INTO customers (telegram_user_id, first_name, last_name, username,
                   language, referral_code, started_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                telegram_user_id,
                first_name,
                last_name,
                username,
                language,
                new_referral_code(),
                stamp,
                stamp,
                stamp,
            ),
        )
    else:
        await conn.execute(
            """UPDATE customers SET first_name = ?, last_name = ?, username = ?,
                   language = CASE WHEN language_chosen_at IS NULL THEN ? ELSE language END,
                   started_at = COALESCE(started_at, ?), blocked_at = NULL, updated_at = ?
               WHERE id = ?""",
            (first_name, last_name, username, language, stamp, stamp, existing.id),
        )
    customer = await get_by_telegram_id(conn, telegram_user_id)
    assert customer is not None
    return customer, existing is None


async def get_by_phone(conn: aiosqlite.Connection, phone: str) -> Customer | None:
    row = await fetch_one(conn, "SELECT * FROM customers WHERE phone = ?", (phone,))
    return Customer.from_row(row) if row else None


async def get_or_create_by_phone(conn: aiosqlite.Connection, phone: str, now: datetime) -> Customer:
    """The customer with this E.164 phone; a new one known only by phone if none is.

    Such a customer gets surveys once they open the bot and share the same number.
    """
    existing = await get_by_phone(conn, phone)
    if existing is not None:
        return existing
    stamp = to_db(now)
    await conn.execute(
        """INSERT INTO customers (phone, referral_code, created_at, updated_at)
           VALUES (?, ?, ?, ?)""",
        (phone, new_referral_code(), stamp, stamp),
    )
    created = await get_by_phone(conn, phone)
    assert created is not None
    return created


async def link_phone(
    conn: aiosqlite.Connection, customer: Customer, phone: str, now: datetime
) -> int | None:
    """Give a Telegram customer their phone; fold in a customer known only by that phone.

    Purchases and surveys that arrived by phone before the customer shared it move to
    them. Returns how many purchases moved; None, with nothing changed, when another
    Telegram account holds that number already (people are never merged).
    """
    stamp = to_db(now)
    moved = 0
    other = await get_by_phone(conn, phone)
    if other is not None and other.id != customer.id:
        if other.telegram_user_id is not None:
            return None
        for table, column in (
            ("purchases", "customer_id"),
            ("surveys", "customer_id"),
            ("referrals", "referrer_id"),
            ("customers", "referred_by"),
        ):
            cursor = await conn.execute(
                f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (customer.id, other.id)
            )
            if table == "purchases":
                moved = cursor.rowcount
        await conn.execute("DELETE FROM customers WHERE id = ?", (other.id,))
    await conn.execute(
        "UPDATE customers SET phone = ?, updated_at = ? WHERE id = ?", (phone, stamp, customer.id)
    )
    return moved


async def set_referred_by(conn: aiosqlite.Connection, customer_id: int, referrer_id: int) -> None:
    """Remember who brought this customer; the first referrer wins."""
    await conn.execute(
        "UPDATE customers SET referred_by = ? WHERE id = ? AND referred_by IS NULL AND id != ?",
        (referrer_id, customer_id, referrer_id),
    )


async def mark_blocked(conn: aiosqlite.Connection, customer_id: int, now: datetime) -> None:
    """The customer blocked the bot: Telegram refuses every message until they return."""
    stamp = to_db(now)
    await conn.execute(
        "UPDATE customers SET blocked_at = ?, updated_at = ? WHERE id = ?",
        (stamp, stamp, customer_id),
    )


async def set_opted_out(conn: aiosqlite.Connection, customer_id: int, now: datetime | None) -> bool:
    """Opt a customer out of surveys (a time) or back in (None); False if nothing changed."""
    stamp = None if now is None else to_db(now)
    cursor = await conn.execute(
        """UPDATE customers SET opted_out_at = ?, updated_at = COALESCE(?, updated_at)
           WHERE id = ? AND (opted_out_at IS NULL) = (? IS NOT NULL)""",
        (stamp, stamp, customer_id, stamp),
    )
    if cursor.rowcount != 1:
        return False
    if now is not None:
        await outbox.record(conn, outbox.Event("customer.opted_out", customer_id), now)
    return True


async def choose_language(
    conn: aiosqlite.Connection, customer_id: int, language: str, now: datetime
) -> None:
    """The customer's own choice, which Telegram's language setting no longer overrides."""
    stamp = to_db(now)
    await conn.execute(
        """UPDATE customers SET language = ?, language_chosen_at = ?, updated_at = ?
           WHERE id = ?""",
        (language, stamp, stamp, customer_id),
    )


async def is_opted_out(conn: aiosqlite.Connection, customer_id: int) -> bool:
    row = await fetch_one(
        conn, "SELECT opted_out_at IS NOT NULL FROM customers WHERE id = ?", (customer_id,)
    )
    return bool(row and row[0])
