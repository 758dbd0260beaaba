"""aiogram FSM state kept in SQLite, so a conversation survives a restart.

aiogram falls back to MemoryStorage when a Dispatcher gets no storage; this one is
passed instead. The surveys keep their own progress in the `surveys` table; this
storage serves any multi-step staff dialogue.

aiogram reads the state of every update's chat; almost none has one. The storage knows
which keys have a row (it writes them all; erasure only deletes), so a chat without one
costs no read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

from storage.database import Database, fetch_all, fetch_one


class SQLiteStorage(BaseStorage):
    """Build it with `await SQLiteStorage.open(db)`, which learns the keys stored."""

    def __init__(
        self, db: Database, stored: set[str], key_builder: KeyBuilder | None = None
    ) -> None:
        self._db = db
        self._stored = stored  # every key with a row, and maybe some erased since
        self._keys = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    @classmethod
    async def open(cls, db: Database, key_builder: KeyBuilder | None = None) -> SQLiteStorage:
        rows = await fetch_all(db.reader, "SELECT storage_key FROM fsm_states")
        return cls(db, {row["storage_key"] for row in rows}, key_builder)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        storage_key = self._keys.build(key)
        self._stored.add(storage_key)  # before the write: a read meanwhile must look
        await self._db.write_alone(
            """INSERT INTO fsm_states (storage_key, state) VALUES (?, ?)
               ON CONFLICT (storage_key) DO UPDATE SET state = excluded.state""",
            (storage_key, value),
        )

    async def get_state(self, key: StorageKey) -> str | None:
        storage_key = self._keys.build(key)
        if storage_key not in self._stored:
            return None
        row = await fetch_one(
            self._db.reader, "SELECT state FROM fsm_states WHERE storage_key = ?", (storage_key,)
        )
        return row["state"] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(
                f"Data must be a dict or dict-like object, got {type(data).__name__}"
            )
        storage_key = self._keys.build(key)
        self._stored.add(storage_key)
        await self._db.write_alone(
            """INSERT INTO fsm_states (storage_key, data) VALUES (?, ?)
               ON CONFLICT (storage_key) DO UPDATE SET data = excluded.data""",
            (storage_key, json.dumps(data, ensure_ascii=False)),
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        storage_key = self._keys.build(key)
        if storage_key not in self._stored:
            return {}
        row = await fetch_one(
            self._db.reader, "SELECT data FROM fsm_states WHERE storage_key = ?", (storage_key,)
        )
        return dict(json.loads(row["data"])) if row else {}

    async def close(self) -> None:
        """The Database is closed by whoever opened it."""
