"""The thank-you reward: one promo code for everyone, or a pool of codes given out one each.

A pool code is tied to the survey it was given for (`survey_id` is unique), or to the friend
whose first purchase earned it for their referrer (`friend_id`, with REFERRAL_REWARD), and
a code is given only while it has neither: no code goes out twice, and a message sent again
after a crash carries the same code as the first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from core.clock import to_db
from storage.database import fetch_one

MODE_KEY = "reward_mode"
CODE_KEY = "reward_code"
LOW_NOTICE_KEY = "reward_pool_low_warned"
REFERRAL_KEY = "referral_reward"
"""In `meta` as "on" while a friend's first purchase earns the referrer a pool code."""


class RewardMode(StrEnum):
    OFF = "off"
    CODE = "code"  # the same promo code for everyone
    POOL = "pool"  # one code from the pool per completed survey


@dataclass(frozen=True, slots=True)
class Reward:
    mode: RewardMode
    code: str | None  # the shared code in CODE mode
    free: int  # pool codes not given out yet
    issued: int
    for_referrals: bool = False  # a friend's first purchase earns the referrer a pool code


async def current(conn: aiosqlite.Connection) -> Reward:
    counts = await fetch_one(
        conn,
        """SELECT COALESCE(SUM(survey_id IS NULL AND friend_id IS NULL), 0) AS free,
                  COUNT(survey_id) + COUNT(friend_id) AS issued
           FROM reward_codes""",
    )
    return Reward(
        await _mode(conn),
        await _meta(conn, CODE_KEY),
        int(counts["free"]),
        int(counts["issued"]),
        await _meta(conn, REFERRAL_KEY) == "on",
    )


async def set_mode(conn: aiosqlite.Connection, mode: RewardMode, code: str | None = None) -> None:
    await _put_meta(conn, MODE_KEY, mode)
    if code is not None:
        await _put_meta(conn, CODE_KEY, code)


async def add_codes(
    conn: aiosqlite.Connection, codes: Iterable[str], by: int, now: datetime
) -> int:
    """Add codes to the pool; those already in it are skipped. Returns how many were new.

    New codes also clear the low-pool mark, so owners hear again when it runs low again.
    """
    added = 0
    for code in codes:
        cursor = await conn.execute(
            """INSERT INTO reward_codes (code, added_by, added_at) VALUES (?, ?, ?)
               ON CONFLICT (code) DO NOTHING""",
            (code, by, to_db(now)),
        )
        added += cursor.rowcount
    if added:
        await conn.execute("DELETE FROM meta WHERE key = ?", (LOW_NOTICE_KEY,))
    return added


async def claim_low_notice(conn: aiosqlite.Connection, low: int) -> int | None:
    """In a write transaction: the codes left if the pool is down to `low` or fewer and the
    owners were not told yet (marking them told); None otherwise."""
    reward = await current(conn)
    if reward.mode is not RewardMode.POOL or reward.free > low:
        return None
    if await _meta(conn, LOW_NOTICE_KEY) is not None:
        return None
    await _put_meta(conn, LOW_NOTICE_KEY, str(reward.free))
    return reward.free


async def issue(conn: aiosqlite.Connection, survey_id: int, now: datetime) -> str | None:
    """The reward for a completed survey: the shared code, or its own pool code (claimed
    on the first call, the same one on every later call); None when there is none."""
    mode = await _mode(conn)
    if mode is RewardMode.CODE:
        return await _meta(conn, CODE_KEY)
    held = await fetch_one(conn, "SELECT code FROM reward_codes WHERE survey_id = ?", (survey_id,))
    if held is not None:
        return str(held["code"])
    if mode is not RewardMode.POOL:
        return None
    claimed = await fetch_one(
        conn,
        f"""UPDATE reward_codes SET survey_id = ?, issued_at = ?
           WHERE id = ({_FREE_CODE}) RETURNING code""",
        (survey_id, to_db(now)),
    )
    return None if claimed is None else str(claimed["code"])


_FREE_CODE = """SELECT id FROM reward_codes WHERE survey_id IS NULL AND friend_id IS NULL
                ORDER BY id LIMIT 1"""


async def set_for_referrals(conn: aiosqlite.Connection, on: bool) -> None:
    await _put_meta(conn, REFERRAL_KEY, "on" if on else "off")


async def issue_for_friend(conn: aiosqlite.Connection, friend_id: int, now: datetime) -> str | None:
    """The pool code a friend's first purchase earned their referrer: claimed on the first
    call, the same one after; None while the pool has none free."""
    held = await fetch_one(conn, "SELECT code FROM reward_codes WHERE friend_id = ?", (friend_id,))
    if held is not None:
        return str(held["code"])
    claimed = await fetch_one(
        conn,
        f"""UPDATE reward_codes SET friend_id = ?, issued_at = ?
           WHERE id = ({_FREE_CODE}) RETURNING code""",
        (friend_id, to_db(now)),
    )
    return None if claimed is None else str(claimed["code"])


async def release_for_friend(conn: aiosqlite.Connection, friend_id: int) -> None:
    """Give the code back: the referrer cannot be reached."""
    await conn.execute(
        "UPDATE reward_codes SET friend_id = NULL, issued_at = NULL WHERE friend_id = ?",
        (friend_id,),
    )


async def release(conn: aiosqlite.Connection, survey_id: int) -> None:
    """Give a survey's pool code back: its thank-you could not be delivered to anyone."""
    await conn.execute(
        "UPDATE reward_codes SET survey_id = NULL, issued_at = NULL WHERE survey_id = ?",
        (survey_id,),
    )


async def low_notice_due(conn: aiosqlite.Connection, low: int) -> bool:
    """A read-only look first, so the tick writes nothing while the pool is fine."""
    reward = await current(conn)
    if reward.mode is not RewardMode.POOL or reward.free > low:
        return False
    return await _meta(conn, LOW_NOTICE_KEY) is None


async def _mode(conn: aiosqlite.Connection) -> RewardMode:
    mode = await _meta(conn, MODE_KEY)
    return RewardMode(mode) if mode else RewardMode.OFF


async def _meta(conn: aiosqlite.Connection, key: str) -> str | None:
    row = await fetch_one(conn, "SELECT value FROM meta WHERE key = ?", (key,))
    return None if row is None else str(row["value"])


async def _put_meta(conn: aiosqlite.Connection, key: str, value: str) -> None:
    await conn.execute(
        """INSERT INTO meta (key, value) VALUES (?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
        (key, value),
    )
