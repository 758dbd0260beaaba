"""Which open alerts get their one reminder."""

from datetime import UTC, datetime, timedelta

from core.clock import to_db
from storage import alerts
from storage.database import Database

RAISED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def _open_alerts(db: Database, count: int) -> list[int]:
    """`count` detractors' open alerts raised at RAISED, none of them in an owner's chat."""
    stamp = to_db(RAISED)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO customers (id, language, referral_code, created_at, updated_at)"
            " VALUES (1, 'en', 'c1', ?, ?)",
            (stamp, stamp),
        )
        for survey_id in range(1, count + 1):
            await conn.execute(
                "INSERT INTO surveys (id, customer_id, status, step, due_at, created_at,"
                " updated_at) VALUES (?, 1, 'active', 'csat', ?, ?, ?)",
                (survey_id, stamp, stamp, stamp),
            )
            await conn.execute(
                "INSERT INTO alerts (id, survey_id, score, created_at) VALUES (?, ?, 3, ?)",
                (survey_id, survey_id, stamp),
            )
    return list(range(1, count + 1))


async def test_only_alerts_in_an_owners_chat_are_claimed_for_a_reminder(db: Database) -> None:
    """An alert that reached nobody is not claimed, so the 150 such before it cannot keep
    the one an owner has from its reminder (a claim takes 100 at most)."""
    ids = await _open_alerts(db, 151)
    async with db.transaction() as conn:
        await alerts.add_message(conn, ids[-1], chat_id=42, message_id=7)
    now = RAISED + timedelta(days=2)
    async with db.transaction() as conn:
        claimed = await alerts.claim_reminders(conn, now - timedelta(days=1), now)
    assert claimed == [ids[-1]]
    async with db.transaction() as conn:  # once
        assert await alerts.claim_reminders(conn, now - timedelta(days=1), now) == []
