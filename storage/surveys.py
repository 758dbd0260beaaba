"""Surveys: one per purchase, with the question being asked stored as `step`.

`prompt_message_id` is NULL while the current question has not been delivered yet;
that is how a restart finds questions it still owes a customer.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import aiosqlite

from core.clock import to_db
from storage.database import Database, fetch_all, fetch_one
from storage.models import DONE, Question, Survey, SurveyStatus


async def get(conn: aiosqlite.Connection, survey_id: int) -> Survey | None:
    row = await fetch_one(conn, "SELECT * FROM surveys WHERE id = ?", (survey_id,))
    return Survey.from_row(row) if row else None


async def for_purchase(conn: aiosqlite.Connection, purchase_id: int) -> Survey | None:
    row = await fetch_one(conn, "SELECT * FROM surveys WHERE purchase_id = ?", (purchase_id,))
    return Survey.from_row(row) if row else None


async def schedule(
    conn: aiosqlite.Connection,
    *,
    customer_id: int,
    purchase_id: int | None,
    due_at: datetime,
    now: datetime,
    unless_surveyed_since: datetime | None = None,
) -> Survey | None:
    """Schedule a survey; None if the customer opted out of surveys, or already had one
    created after `unless_surveyed_since` that did not fail (the throttle). One statement.

    A customer known only by phone cannot be written to yet: their survey waits (out of
    every query of what is due) until they open the bot and share that phone
    (`release_waiting`)."""
    stamp = to_db(now)
    rows = await fetch_all(
        conn,
        """INSERT INTO surveys (customer_id, purchase_id, status, step, due_at, created_at,
               updated_at)
           SELECT :customer_id, :purchase_id,
                  CASE WHEN (SELECT telegram_user_id FROM customers WHERE id = :customer_id)
                            IS NULL THEN :waiting ELSE :scheduled END,
                  :step, :due_at, :now, :now
           WHERE (:since IS NULL OR NOT EXISTS (
                      SELECT 1 FROM surveys
                      WHERE customer_id = :customer_id AND created_at > :since
                        AND status NOT IN (:failed, :cancelled)))
             AND NOT EXISTS (SELECT 1 FROM customers
                             WHERE id = :customer_id AND opted_out_at IS NOT NULL)
           RETURNING *""",
        {
            "customer_id": customer_id,
            "purchase_id": purchase_id,
            "scheduled": SurveyStatus.SCHEDULED,
            "waiting": SurveyStatus.WAITING,
            "step": Question.NPS,
            "due_at": to_db(due_at),
            "now": stamp,
            "since": None if unless_surveyed_since is None else to_db(unless_surveyed_since),
            "failed": SurveyStatus.FAILED,
            "cancelled": SurveyStatus.CANCELLED,
        },
    )
    return Survey.from_row(rows[0]) if rows else None


async def release_waiting(
    conn: aiosqlite.Connection, customer_id: int, bought_since: datetime | None, now: datetime
) -> int:
    """The customer can be written to now: their waiting surveys of purchases made since
    `bought_since` (None: any) are scheduled (those due already, due now, so none counts as
    overdue); older ones expire unsent. How many were scheduled."""
    stamp = to_db(now)
    values = {
        "customer_id": customer_id,
        "waiting": SurveyStatus.WAITING,
        "scheduled": SurveyStatus.SCHEDULED,
        "expired": SurveyStatus.EXPIRED,
        "since": None if bought_since is None else to_db(bought_since),
        "now": stamp,
    }
    cursor = await conn.execute(
        """UPDATE surveys SET status = :scheduled, due_at = MAX(due_at, :now), updated_at = :now
           WHERE customer_id = :customer_id AND status = :waiting
             AND (:since IS NULL OR purchase_id IN (
                      SELECT id FROM purchases
                      WHERE customer_id = :customer_id AND purchased_at >= :since))""",
        values,
    )
    await conn.execute(
        """UPDATE surveys SET status = :expired, expired_at = :now, updated_at = :now
           WHERE customer_id = :customer_id AND status = :waiting""",
        values,
    )
    return cursor.rowcount


async def in_progress(conn: aiosqlite.Connection, customer_id: int) -> Survey | None:
    """The survey a customer is answering now, if any (at most one is active)."""
    row = await fetch_one(
        conn,
        "SELECT * FROM surveys WHERE customer_id = ? AND status = ? ORDER BY id DESC LIMIT 1",
        (customer_id, SurveyStatus.ACTIVE),
    )
    return Survey.from_row(row) if row else None


async def activate_due(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[Survey]:
    """Mark due surveys active and return them; call inside a write transaction.

    A customer answers one survey at a time: one already in progress holds back the
    next, and of several due at once only the oldest starts. Customers known only by
    phone wait until they open the bot.
    """
    stamp = to_db(now)
    rows = await fetch_all(
        conn,
        """UPDATE surveys SET status = :active, sent_at = :now, updated_at = :now
           WHERE id IN (
               SELECT MIN(s.id) FROM surveys AS s
               JOIN customers AS c ON c.id = s.customer_id
               WHERE s.status = :scheduled AND s.due_at <= :now
                 AND c.telegram_user_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM surveys AS a
                                 WHERE a.customer_id = s.customer_id AND a.status = :active)
               GROUP BY s.customer_id
               ORDER BY MIN(s.due_at)
               LIMIT :limit)
           RETURNING *""",
        {
            "active": SurveyStatus.ACTIVE,
            "scheduled": SurveyStatus.SCHEDULED,
            "now": stamp,
            "limit": limit,
        },
    )
    return sorted((Survey.from_row(row) for row in rows), key=lambda survey: survey.due_at)


async def mark_unsent(db: Database, survey_id: int, now: datetime) -> bool:
    """Record that a started survey's first question was never delivered (`sent_at` NULL),
    so `claim_unsent` offers it again.

    For a send the sender gave up on (Telegram kept failing), not for one a crash cut
    off: that one may have reached the customer. False if the question was delivered or
    answered meanwhile, or the survey closed (then nothing changes).
    """
    changed = await db.write_alone(
        """UPDATE surveys SET sent_at = NULL, updated_at = ?
           WHERE id = ? AND status = ? AND step = ? AND prompt_message_id IS NULL""",
        (to_db(now), survey_id, SurveyStatus.ACTIVE, Question.NPS),
    )
    return changed > 0


async def unstart(db: Database, survey_id: int, now: datetime) -> bool:
    """Put a started survey whose first question was never even tried (the bot stopped
    first) back among the scheduled ones, as it was; False if it moved on meanwhile."""
    changed = await db.write_alone(
        """UPDATE surveys SET status = ?, sent_at = NULL, updated_at = ?
           WHERE id = ? AND status = ? AND step = ? AND prompt_message_id IS NULL""",
        (SurveyStatus.SCHEDULED, to_db(now), survey_id, SurveyStatus.ACTIVE, Question.NPS),
    )
    return changed > 0


async def claim_unsent(
    conn: aiosqlite.Connection, failed_before: datetime, now: datetime, limit: int
) -> list[Survey]:
    """Surveys whose first question failed to go out before `failed_before`: marked sent
    (as `activate_due` does, before the send) and returned; call inside a transaction."""
    stamp = to_db(now)
    rows = await fetch_all(
        conn,
        """UPDATE surveys SET sent_at = :now, updated_at = :now
           WHERE id IN (
               SELECT id FROM surveys
               WHERE sent_at IS NULL AND status = :active AND step = :first
                 AND prompt_message_id IS NULL AND updated_at <= :failed_before
               ORDER BY id LIMIT :limit)
           RETURNING *""",
        {
            "now": stamp,
            "active": SurveyStatus.ACTIVE,
            "first": Question.NPS,
            "failed_before": to_db(failed_before),
            "limit": limit,
        },
    )
    return [Survey.from_row(row) for row in rows]


async def unprompted(conn: aiosqlite.Connection) -> list[Survey]:
    """Surveys owing a follow-up question or a thank-you (a crash or a failed send).

    A survey at its first question is left out: that send is at most once.
    """
    rows = await fetch_all(
        conn,
        """SELECT * FROM surveys
           WHERE prompt_message_id IS NULL
             AND ((status = ? AND step != ?) OR status = ?)
             AND NOT EXISTS (  -- nobody to write to: blocked, unreachable or forgotten
                 SELECT 1 FROM customers c WHERE c.id = surveys.customer_id
                   AND (c.blocked_at IS NOT NULL OR c.telegram_user_id IS NULL))
           ORDER BY id""",
        (SurveyStatus.ACTIVE, Question.NPS, SurveyStatus.COMPLETED),
    )
    return [Survey.from_row(row) for row in rows]


async def set_prompt(
    db: Database, survey_id: int, step: str, message_id: int, now: datetime
) -> SurveyStatus | None:
    """Record the message that asks the current step; the survey's status then, or None if
    the survey has moved past `step` meanwhile (then nothing changes).

    The status tells a sender whether the survey was cancelled or expired while its
    question was on the way: then nobody else knew that message's id to withdraw its
    buttons."""
    stamp = to_db(now)
    returned = await db.write_alone_returning(
        """UPDATE surveys SET prompt_message_id = ?, asked_at = ?, updated_at = ?
           WHERE id = ? AND step = ?
           RETURNING status""",
        (message_id, stamp, stamp, survey_id, step),
    )
    return SurveyStatus(returned[0][0]) if returned else None


def advance(
    conn: sqlite3.Connection, survey_id: int, from_step: Question, to_step: str, now: datetime
) -> Survey | None:
    """Move an active survey from one step to the next and return it as it is now; None if
    it was not at `from_step` (inside `Database.run_transaction`)."""
    stamp = to_db(now)
    finished = to_step == DONE
    rows = conn.execute(
        """UPDATE surveys
           SET step = ?, prompt_message_id = NULL, updated_at = ?,
               status = ?, completed_at = ?
           WHERE id = ? AND step = ? AND status = ?
           RETURNING *""",
        (
            to_step,
            stamp,
            SurveyStatus.COMPLETED if finished else SurveyStatus.ACTIVE,
            stamp if finished else None,
            survey_id,
            from_step,
            SurveyStatus.ACTIVE,
        ),
    ).fetchall()
    return Survey.from_row(rows[0]) if rows else None


async def mark_failed(conn: aiosqlite.Connection, survey_id: int, now: datetime) -> None:
    """The survey cannot be delivered (the customer blocked the bot)."""
    await conn.execute(
        "UPDATE surveys SET status = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)",
        (SurveyStatus.FAILED, to_db(now), survey_id, SurveyStatus.SCHEDULED, SurveyStatus.ACTIVE),
    )


async def claim_reminders(
    conn: aiosqlite.Connection, sent_before: datetime, now: datetime, limit: int
) -> list[Survey]:
    """Surveys sent before `sent_before` and not started: marked reminded, then returned.

    Marking before sending keeps the reminder to one, even across a crash.
    """
    rows = await fetch_all(
        conn,
        """UPDATE surveys SET reminded_at = :now, updated_at = :now
           WHERE id IN (
               SELECT id FROM surveys
               WHERE status = :active AND step = :first AND reminded_at IS NULL
                 AND sent_at <= :sent_before
               ORDER BY sent_at LIMIT :limit)
           RETURNING *""",
        {
            "now": to_db(now),
            "active": SurveyStatus.ACTIVE,
            "first": Question.NPS,
            "sent_before": to_db(sent_before),
            "limit": limit,
        },
    )
    return [Survey.from_row(row) for row in rows]


async def claim_nudges(
    conn: aiosqlite.Connection, asked_before: datetime, now: datetime, limit: int
) -> list[Survey]:
    """Surveys begun and left at a question asked before `asked_before`: marked nudged, then
    returned (once per survey, even across a crash)."""
    rows = await fetch_all(
        conn,
        # The partial index's own terms, written as it has them: SQLite uses a partial index
        # only for a query whose terms imply its WHERE, and parameters never do.
        """UPDATE surveys SET nudged_at = :now, updated_at = :now
           WHERE id IN (
               SELECT id FROM surveys INDEXED BY surveys_to_nudge
               WHERE status = 'active' AND step != 'nps' AND nudged_at IS NULL
                 AND asked_at <= :asked_before AND prompt_message_id IS NOT NULL
               ORDER BY asked_at LIMIT :limit)
           RETURNING *""",
        {"now": to_db(now), "asked_before": to_db(asked_before), "limit": limit},
    )
    return [Survey.from_row(row) for row in rows]


async def unnudge(db: Database, survey_id: int, step: str, now: datetime) -> bool:
    """Owe a claimed nudge again (its send was given up on, or the bot stopped first); False
    if the survey moved on or closed meanwhile."""
    changed = await db.write_alone(
        """UPDATE surveys SET nudged_at = NULL, updated_at = ?
           WHERE id = ? AND status = ? AND step = ?""",
        (to_db(now), survey_id, SurveyStatus.ACTIVE, step),
    )
    return changed > 0


async def unremind(db: Database, survey_id: int, now: datetime) -> bool:
    """Owe a claimed reminder again: its send was given up on (Telegram kept failing) or
    never tried (the bot stopped). False if the survey moved on or closed meanwhile."""
    changed = await db.write_alone(
        """UPDATE surveys SET reminded_at = NULL, updated_at = ?
           WHERE id = ? AND status = ? AND step = ?""",
        (to_db(now), survey_id, SurveyStatus.ACTIVE, Question.NPS),
    )
    return changed > 0


async def expire(conn: aiosqlite.Connection, cutoff: datetime, now: datetime) -> list[Survey]:
    """Expire surveys sent (or due, if never delivered) before `cutoff`; return them."""
    rows = await fetch_all(
        conn,
        """UPDATE surveys SET status = :expired, expired_at = :now, updated_at = :now
           WHERE (status = :active AND sent_at <= :cutoff)
              OR (status = :active AND sent_at IS NULL AND due_at <= :cutoff)
              OR (status = :scheduled AND due_at <= :cutoff)
           RETURNING *""",
        {
            "expired": SurveyStatus.EXPIRED,
            "now": to_db(now),
            "active": SurveyStatus.ACTIVE,
            "scheduled": SurveyStatus.SCHEDULED,
            "cutoff": to_db(cutoff),
        },
    )
    return [Survey.from_row(row) for row in rows]


async def cancel_open(conn: aiosqlite.Connection, customer_id: int, now: datetime) -> list[Survey]:
    """Cancel the customer's waiting, scheduled and running surveys; the ones cancelled."""
    rows = await fetch_all(
        conn,
        """UPDATE surveys SET status = :cancelled, updated_at = :now
           WHERE customer_id = :customer_id AND status IN (:waiting, :scheduled, :active)
           RETURNING *""",
        {
            "cancelled": SurveyStatus.CANCELLED,
            "now": to_db(now),
            "customer_id": customer_id,
            "waiting": SurveyStatus.WAITING,
            "scheduled": SurveyStatus.SCHEDULED,
            "active": SurveyStatus.ACTIVE,
        },
    )
    return [Survey.from_row(row) for row in rows]
