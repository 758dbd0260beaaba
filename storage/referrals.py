"""People customers recommend: typed in, shared as a contact, or brought by a link."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import aiosqlite

from storage.clock import to_db

ReferralKind = Literal["text", "contact", "link"]


async def add(
    conn: aiosqlite.Connection,
    *,
    referrer_id: int,
    kind: ReferralKind,
    now: datetime,
    survey_id: int | None = None,
    name: str | None = None,
    phone: str | None = None,
    telegram_user_id: int | None = None,
    note: str | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO referrals (referrer_id, survey_id, kind, name, phone, telegram_user_id,
               note, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        (referrer_id, survey_id, kind, name, phone, telegram_user_id, note, to_db(now)),
    )
