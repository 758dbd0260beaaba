"""Referrals credited: what the friends customers brought buy, and the referrers' rewards.

A customer who opened the bot by another customer's personal link is that customer's
referral (`customers.referred_by`, set once at /start); every purchase they make is
credited to the referrer. With REFERRAL_REWARD on (`/reward referral on`), the friend's
first purchase owes the referrer one code from the reward pool, once per friend: owed in
the purchase's transaction, sent by the tick (bot/customers/referral_rewards.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from analytics.report import ReferredFigures, Referrer
from core.clock import to_db
from core.period import Period
from storage import outbox
from storage.database import fetch_all, fetch_one
from storage.rewards import REFERRAL_KEY

TOP_REFERRERS = 3


@dataclass(frozen=True, slots=True)
class OwedReward:
    friend_id: int
    referrer_id: int
    referrer_chat: int | None  # the referrer's Telegram id; None once they are forgotten
    language: str


async def owe_reward(
    conn: aiosqlite.Connection, customer_id: int, purchase_id: int, now: datetime
) -> bool:
    """In the purchase's transaction: a referred customer's first purchase owes their
    referrer a reward, while REFERRAL_REWARD is on. True if it did."""
    cursor = await conn.execute(
        """INSERT INTO referral_rewards (friend_id, referrer_id, purchase_id, created_at)
           SELECT c.id, c.referred_by, :purchase, :now FROM customers c
           WHERE c.id = :customer AND c.referred_by IS NOT NULL
             AND EXISTS (SELECT 1 FROM meta WHERE key = :key AND value = 'on')
             AND NOT EXISTS (SELECT 1 FROM purchases p
                             WHERE p.customer_id = c.id AND p.id != :purchase)
           ON CONFLICT (friend_id) DO NOTHING""",
        {"customer": customer_id, "purchase": purchase_id, "now": to_db(now), "key": REFERRAL_KEY},
    )
    return cursor.rowcount == 1


async def record_conversion(
    conn: aiosqlite.Connection, customer_id: int, purchase_id: int, now: datetime
) -> None:
    """In the purchase's transaction: a referred customer's first purchase is the referral
    converted (the `referral.converted` event, storage.outbox)."""
    row = await fetch_one(
        conn,
        """SELECT c.referred_by FROM customers c
           WHERE c.id = :customer AND c.referred_by IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM purchases p
                             WHERE p.customer_id = c.id AND p.id != :purchase)""",
        {"customer": customer_id, "purchase": purchase_id},
    )
    if row is not None:
        change = {"referrer_id": row[0], "friend_id": customer_id}
        await outbox.record(conn, outbox.Event("referral.converted", purchase_id, change), now)


async def owed(conn: aiosqlite.Connection, limit: int) -> list[OwedReward]:
    rows = await fetch_all(
        conn,
        """SELECT o.friend_id, o.referrer_id, r.telegram_user_id, r.language
           FROM referral_rewards o JOIN customers r ON r.id = o.referrer_id
           WHERE o.settled_at IS NULL ORDER BY o.created_at LIMIT ?""",
        (limit,),
    )
    return [OwedReward(r[0], r[1], r[2], r[3]) for r in rows]


async def settle(conn: aiosqlite.Connection, friend_id: int, outcome: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE referral_rewards SET settled_at = ?, outcome = ? WHERE friend_id = ?",
        (to_db(now), outcome, friend_id),
    )


async def figures(conn: aiosqlite.Connection, period: Period, currency: str) -> ReferredFigures:
    """Customers who came by a link in the period, and what every referred customer bought
    in it, with the referrers who brought the most."""
    span = {"start": to_db(period.start), "end": to_db(period.end), "currency": currency}
    arrived = await fetch_one(
        conn,
        """SELECT COUNT(*) FROM customers INDEXED BY customers_referred
           WHERE referred_by IS NOT NULL
             AND COALESCE(started_at, created_at) >= :start
             AND COALESCE(started_at, created_at) < :end""",
        span,
    )
    bought = await fetch_one(
        conn,
        """SELECT COUNT(DISTINCT p.customer_id), COUNT(*),
                  COALESCE(SUM(CASE WHEN p.currency = :currency THEN p.amount_minor END), 0)
           FROM customers c INDEXED BY customers_referred
           JOIN purchases p ON p.customer_id = c.id
           WHERE c.referred_by IS NOT NULL
             AND p.purchased_at >= :start AND p.purchased_at < :end""",
        span,
    )
    top = await fetch_all(
        conn,
        """SELECT c.referred_by, r.first_name, COUNT(DISTINCT p.customer_id), COUNT(*),
                  COALESCE(SUM(CASE WHEN p.currency = :currency THEN p.amount_minor END), 0)
                      AS revenue
           FROM customers c INDEXED BY customers_referred
           JOIN purchases p ON p.customer_id = c.id
           JOIN customers r ON r.id = c.referred_by
           WHERE c.referred_by IS NOT NULL
             AND p.purchased_at >= :start AND p.purchased_at < :end
           GROUP BY c.referred_by ORDER BY revenue DESC, COUNT(*) DESC, c.referred_by
           LIMIT :limit""",
        {**span, "limit": TOP_REFERRERS},
    )
    return ReferredFigures(
        arrived=int(arrived[0]),
        buyers=int(bought[0]),
        purchases=int(bought[1]),
        revenue_minor=int(bought[2]),
        top=[Referrer(r[0], r[1], r[2], r[3], r[4]) for r in top],
    )
