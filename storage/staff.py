"""Staff: who is an owner or an admin, and every change to that, with who made it and when.

OWNER_IDS and ADMIN_IDS seed the table on the first start; from then on owners manage it
with /staff. The last owner cannot be removed or demoted, so the bot always has one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum

import aiosqlite

from core.clock import from_db, to_db
from storage.database import fetch_all, fetch_one


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"


class Change(Enum):
    ADDED = "added"
    ROLE_CHANGED = "role"
    UNCHANGED = "unchanged"
    REMOVED = "removed"
    NOT_STAFF = "not_staff"
    LAST_OWNER = "last_owner"  # refused: the bot would be left without an owner


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    role: Role
    added_by: int | None  # None: seeded from the settings
    added_at: datetime


async def seed(
    conn: aiosqlite.Connection, owners: Iterable[int], admins: Iterable[int], now: datetime
) -> bool:
    """Fill an empty staff table from the settings; False if it had members already."""
    if await fetch_one(conn, "SELECT 1 FROM staff LIMIT 1") is not None:
        return False
    owner_ids = set(owners)
    roles = {user_id: Role.ADMIN for user_id in admins} | dict.fromkeys(owner_ids, Role.OWNER)
    for user_id, role in sorted(roles.items()):
        await _record(conn, user_id, "seeded", role, None, now)
        await conn.execute(
            "INSERT INTO staff (user_id, role, added_by, added_at) VALUES (?, ?, NULL, ?)",
            (user_id, role, to_db(now)),
        )
    return True


async def members(conn: aiosqlite.Connection) -> list[Member]:
    rows = await fetch_all(conn, "SELECT * FROM staff ORDER BY role DESC, added_at, user_id")
    return [
        Member(row["user_id"], Role(row["role"]), row["added_by"], from_db(row["added_at"]))
        for row in rows
    ]


async def set_role(
    conn: aiosqlite.Connection, user_id: int, role: Role, by: int, now: datetime
) -> Change:
    """Make `user_id` an owner or an admin."""
    current = await _role_of(conn, user_id)
    if current is role:
        return Change.UNCHANGED
    if current is Role.OWNER and await _owners(conn) == 1:
        return Change.LAST_OWNER
    await conn.execute(
        """INSERT INTO staff (user_id, role, added_by, added_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET role = excluded.role""",
        (user_id, role, by, to_db(now)),
    )
    change = Change.ADDED if current is None else Change.ROLE_CHANGED
    await _record(conn, user_id, change.value, role, by, now)
    return change


async def remove(conn: aiosqlite.Connection, user_id: int, by: int, now: datetime) -> Change:
    current = await _role_of(conn, user_id)
    if current is None:
        return Change.NOT_STAFF
    if current is Role.OWNER and await _owners(conn) == 1:
        return Change.LAST_OWNER
    await conn.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
    await _record(conn, user_id, Change.REMOVED.value, None, by, now)
    return Change.REMOVED


async def _role_of(conn: aiosqlite.Connection, user_id: int) -> Role | None:
    row = await fetch_one(conn, "SELECT role FROM staff WHERE user_id = ?", (user_id,))
    return None if row is None else Role(row["role"])


async def _owners(conn: aiosqlite.Connection) -> int:
    row = await fetch_one(conn, "SELECT COUNT(*) FROM staff WHERE role = ?", (Role.OWNER,))
    return int(row[0])


async def _record(
    conn: aiosqlite.Connection,
    user_id: int,
    action: str,
    role: Role | None,
    by: int | None,
    now: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO staff_changes (user_id, action, role, changed_by, changed_at)
           VALUES (?, ?, ?, ?, ?)""",
        (user_id, action, role, by, to_db(now)),
    )
