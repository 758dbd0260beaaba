"""People customers recommend: typed in, shared as a contact, or brought by a link."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

from core.clock import to_db

ReferralKind = Literal["text", "contact", "link"]


@dataclass(frozen=True, slots=True)
class NewReferral:
    referrer_id: int
    kind: ReferralKind
    survey_id: int | None = None
    name: str | None = None
    phone: str | None = None
    telegram_user_id: int | None = None
    note: str | None = None

    def row(self, now: datetime) -> tuple[object, ...]:
        return (
            self.referrer_id,
            self.survey_id,
            self.kind,
            self.name,
            self.phone,
            self.telegram_user_id,
            self.note,
            to_db(now),
        )


_ADD = """INSERT INTO referrals (referrer_id, survey_id, kind, name, phone, telegram_user_id,
              note, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""


async def add(conn: aiosqlite.Connection, referral: NewReferral, now: datetime) -> None:
    await conn.execute(_ADD, referral.row(now))


def add_in_thread(conn: sqlite3.Connection, referral: NewReferral, now: datetime) -> int:
    """`add` inside `Database.run_transaction` (a referral given as a survey answer); its id."""
    cursor = conn.execute(_ADD, referral.row(now))
    assert cursor.lastrowid is not None
    return cursor.lastrowid
