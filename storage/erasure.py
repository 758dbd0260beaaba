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

import aiosqlite

from core.clock import to_db
from core.phones import normalize_phone
from storage import outbox, surveys
from storage.database import Database, fetch_all
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
        await _erase_as_a_contact(conn, customer)
        await outbox.record(conn, outbox.Event("customer.forgotten", customer.id), now)
    await db.checkpoint()
    return cancelled


async def _erase_as_a_contact(conn: aiosqlite.Connection, customer: Customer) -> None:
    """Where other customers recommended this person (shared their contact, or gave their
    phone), the person's name, phone and account go; that a recommendation was made stays.

    Phones are stored in E.164 since contacts were normalised; one stored as Telegram sent
    it (no `+`) is normalised here to be compared."""
    rows = await fetch_all(
        conn,
        """SELECT id, phone, telegram_user_id FROM referrals
           WHERE telegram_user_id = :account OR phone = :phone
              OR (phone IS NOT NULL AND phone NOT LIKE '+%')""",
        {"account": customer.telegram_user_id, "phone": customer.phone},
    )
    ids = [
        row[0]
        for row in rows
        if (customer.telegram_user_id is not None and row[2] == customer.telegram_user_id)
        or (
            customer.phone is not None
            and row[1] is not None
            and (row[1] == customer.phone or normalize_phone(row[1]) == customer.phone)
        )
    ]
    if ids:
        await conn.execute(
            f"""UPDATE referrals SET name = NULL, phone = NULL, telegram_user_id = NULL
                WHERE id IN ({", ".join("?" * len(ids))})""",
            ids,
        )


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
