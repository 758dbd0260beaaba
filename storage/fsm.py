"""aiogram FSM state kept in SQLite, so a conversation survives a restart.

aiogram falls back to MemoryStorage when a Dispatcher gets no storage; this one is
passed instead. The surveys keep their own progress in the `surveys` table; this
storage serves any multi-step staff dialogue.
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

from storage.database import Database, fetch_one


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self._db = db
        self._keys = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._db.transaction() as conn:
            await conn.execute(
                """INSERT INTO fsm_states (storage_key, state) VALUES (?, ?)
                   ON CONFLICT (storage_key) DO UPDATE SET state = excluded.state""",
                (self._keys.build(key), value),
            )

    async def get_state(self, key: StorageKey) -> str | None:
        row = await fetch_one(
            self._db.reader,
            "SELECT state FROM fsm_states WHERE storage_key = ?",
            (self._keys.build(key),),
        )
        return row["state"] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(
                f"Data must be a dict or dict-like object, got {type(data).__name__}"
            )
        async with self._db.transaction() as conn:
            await conn.execute(
                """INSERT INTO fsm_states (storage_key, data) VALUES (?, ?)
                   ON CONFLICT (storage_key) DO UPDATE SET data = excluded.data""",
                (self._keys.build(key), json.dumps(data, ensure_ascii=False)),
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await fetch_one(
            self._db.reader,
            "SELECT data FROM fsm_states WHERE storage_key = ?",
            (self._keys.build(key),),
        )
        return dict(json.loads(row["data"])) if row else {}

    async def close(self) -> None:
        """The Database is closed by whoever opened it."""
