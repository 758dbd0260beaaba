"""Stores as one list: their keys, the names they are shown by, and owners' aliases.

A purchase's `store_key` is its store's key with any alias resolved, written when the
purchase is stored and rewritten when an owner joins or parts two names, so every figure
groups by one indexed column (see STORES in storage.migrations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from core.clock import to_db
from core.stores import display_name, store_key
from storage.database import fetch_all, fetch_one


@dataclass(frozen=True, slots=True)
class Store:
    key: str
    name: str
    aliases: tuple[str, ...]
    purchases: int


class StoreError(Exception):
    """An owner's /stores request that cannot be carried out; `reason` names the text."""

    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.name = name


async def key_for(conn: aiosqlite.Connection, name: str | None) -> str | None:
    """The key a purchase naming `name` is counted under: its own, or the store it is an
    alias of. None for no name."""
    key = store_key(name)
    if key is None:
        return None
    row = await fetch_one(conn, "SELECT store_key FROM store_aliases WHERE alias = ?", (key,))
    return key if row is None else str(row[0])


async def remember(conn: aiosqlite.Connection, key: str, name: str, now: datetime) -> None:
    """A store seen for the first time is shown by the name it came with."""
    await conn.execute(
        "INSERT OR IGNORE INTO stores (key, name, created_at) VALUES (?, ?, ?)",
        (key, display_name(name), to_db(now)),
    )


async def find(conn: aiosqlite.Connection, name: str) -> str | None:
    """The key of the store `name` means (its key, its shown name or an alias), or None."""
    key = await key_for(conn, name)
    if key is None:
        return None
    row = await fetch_one(conn, "SELECT key FROM stores WHERE key = ?", (key,))
    if row is not None:
        return str(row[0])
    row = await fetch_one(
        conn, "SELECT key FROM stores WHERE store_key_of(name) = ?", (store_key(name),)
    )
    return None if row is None else str(row[0])


async def names(conn: aiosqlite.Connection) -> dict[str, str]:
    """Every store's key → the name it is shown by."""
    rows = await fetch_all(conn, "SELECT key, name FROM stores")
    return {str(row[0]): str(row[1]) for row in rows}


async def listing(conn: aiosqlite.Connection) -> list[Store]:
    """Every store with its aliases and purchases, the busiest first."""
    rows = await fetch_all(
        conn,
        """SELECT s.key, s.name,
                  (SELECT COUNT(*) FROM purchases p WHERE p.store_key = s.key),
                  (SELECT group_concat(alias, '|') FROM
                       (SELECT alias FROM store_aliases a WHERE a.store_key = s.key
                        ORDER BY alias))
           FROM stores s""",
    )
    found = [
        Store(str(r[0]), str(r[1]), tuple(r[3].split("|")) if r[3] else (), int(r[2])) for r in rows
    ]
    return sorted(found, key=lambda store: (-store.purchases, store.key))


async def rename(conn: aiosqlite.Connection, name: str, new_name: str) -> str:
    """Show the store `name` means as `new_name`; returns its key."""
    key = await find(conn, name)
    if key is None:
        raise StoreError("stores_unknown", name)
    shown = display_name(new_name)
    if not shown:
        raise StoreError("stores_usage")
    await conn.execute("UPDATE stores SET name = ? WHERE key = ?", (shown, key))
    return key


async def join(conn: aiosqlite.Connection, alias_name: str, store_name: str, now: datetime) -> str:
    """Count `alias_name` as the store `store_name` means, its purchases so far included.

    A store that had purchases under the alias's own key is folded in, and so are its own
    aliases. Returns the store's key.
    """
    target = await find(conn, store_name)
    if target is None:
        raise StoreError("stores_unknown", store_name)
    alias = store_key(alias_name)
    if alias is None:
        raise StoreError("stores_usage")
    if alias == target:
        raise StoreError("stores_same", alias_name)
    current = await key_for(conn, alias_name)  # another store's, if it is an alias already
    await conn.execute("UPDATE purchases SET store_key = ? WHERE store_key = ?", (target, alias))
    if current not in (alias, target):
        await conn.execute(
            """UPDATE purchases SET store_key = ?
               WHERE store_key = ? AND store_key_of(store) = ?""",
            (target, current, alias),
        )
    await conn.execute(
        "UPDATE store_aliases SET store_key = ? WHERE store_key = ?", (target, alias)
    )
    await conn.execute("DELETE FROM stores WHERE key = ?", (alias,))
    await conn.execute(
        """INSERT INTO store_aliases (alias, store_key, created_at) VALUES (?, ?, ?)
           ON CONFLICT (alias) DO UPDATE SET store_key = excluded.store_key""",
        (alias, target, to_db(now)),
    )
    return target


async def part(conn: aiosqlite.Connection, alias_name: str, now: datetime) -> str:
    """Undo an alias: purchases that named it count under their own name again. Returns
    the alias's key."""
    alias = store_key(alias_name)
    row = (
        None
        if alias is None
        else await fetch_one(conn, "SELECT store_key FROM store_aliases WHERE alias = ?", (alias,))
    )
    if alias is None or row is None:
        raise StoreError("stores_not_alias", alias_name)
    await conn.execute("DELETE FROM store_aliases WHERE alias = ?", (alias,))
    spellings = await fetch_all(
        conn,
        "SELECT DISTINCT store FROM purchases WHERE store_key = ? AND store_key_of(store) = ?",
        (row[0], alias),
    )
    for (spelling,) in spellings:
        await conn.execute(
            "UPDATE purchases SET store_key = ? WHERE store = ? AND store_key = ?",
            (alias, spelling, row[0]),
        )
        await remember(conn, alias, spelling, now)
    return alias
