"""Forgetting a customer: personal data goes, the anonymous scores stay.

Names, username, phone and Telegram id leave the customer row; free-text answers and the
contacts they recommended are blanked; the person who came through their referral link is
unlinked. Scores, choices, purchases and times stay, attached to a row nobody can be traced
from, so the statistics do not change. The connections run with `secure_delete`, which
zeroes the old bytes in the file, and a WAL checkpoint drops the old page versions: the
data is not left on disk either.
"""

from __future__ import annotations

from datetime import datetime

from core.clock import to_db
from storage import surveys
from storage.database import Database
from storage.models import Customer, Survey


async def forget(db: Database, customer: Customer, now: datetime) -> list[Survey]:
    """Erase the customer's personal data; the surveys cancelled on the way."""
    stamp = to_db(now)
    async with db.transaction() as conn:
        cancelled = await surveys.cancel_open(conn, customer.id, now)
        await conn.execute(
            """UPDATE customers SET telegram_user_id = NULL, first_name = NULL, last_name = NULL,
                   username = NULL, phone = NULL, forgotten_at = ?,
                   opted_out_at = COALESCE(opted_out_at, ?), updated_at = ?
               WHERE id = ?""",
            (stamp, stamp, stamp, customer.id),
        )
        await conn.execute(
            """UPDATE answers SET text = NULL
               WHERE text IS NOT NULL
                 AND survey_id IN (SELECT id FROM surveys WHERE customer_id = ?)""",
            (customer.id,),
        )
        await conn.execute(
            """UPDATE referrals SET name = NULL, phone = NULL, telegram_user_id = NULL,
                   note = NULL
               WHERE referrer_id = ?""",
            (customer.id,),
        )
        if customer.telegram_user_id is not None:
            await conn.execute(
                "UPDATE referrals SET telegram_user_id = NULL WHERE telegram_user_id = ?",
                (customer.telegram_user_id,),
            )
    await db.checkpoint()
    return cancelled


async def erase_free_text_before(db: Database, cutoff: datetime) -> int:
    """Blank written answers and recommended contacts older than `cutoff`; how many."""
    stamp = to_db(cutoff)
    async with db.transaction() as conn:
        answers = await conn.execute(
            "UPDATE answers SET text = NULL WHERE text IS NOT NULL AND answered_at < ?", (stamp,)
        )
        contacts = await conn.execute(
            """UPDATE referrals SET name = NULL, phone = NULL, note = NULL
               WHERE created_at < ?
                 AND (name IS NOT NULL OR phone IS NOT NULL OR note IS NOT NULL)""",
            (stamp,),
        )
        erased = answers.rowcount + contacts.rowcount
    if erased:
        await db.checkpoint()
    return erased
