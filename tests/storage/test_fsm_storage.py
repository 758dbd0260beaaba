"""One contract, run against aiogram's MemoryStorage (the reference) and ours."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from storage.database import Database
from storage.fsm import SQLiteStorage


class Form(StatesGroup):
    name = State()


KEY = StorageKey(bot_id=1, chat_id=2, user_id=3)
OTHER = StorageKey(bot_id=1, chat_id=2, user_id=4)


@pytest.fixture(params=["memory", "sqlite"])
async def storage(request: pytest.FixtureRequest, db_path: Path) -> AsyncIterator[BaseStorage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    db = await Database.open(db_path)
    try:
        yield await SQLiteStorage.open(db)
    finally:
        await db.close()


async def test_state_round_trip(storage: BaseStorage) -> None:
    assert await storage.get_state(KEY) is None
    await storage.set_state(KEY, Form.name)
    assert await storage.get_state(KEY) == Form.name.state
    assert await storage.get_state(OTHER) is None
    await storage.set_state(KEY, "other:state")
    assert await storage.get_state(KEY) == "other:state"
    await storage.set_state(KEY, None)
    assert await storage.get_state(KEY) is None


async def test_data_round_trip_is_a_copy(storage: BaseStorage) -> None:
    assert await storage.get_data(KEY) == {}
    data = {"answer": "привет", "n": 3, "nested": {"a": [1, 2]}}
    await storage.set_data(KEY, data)
    data["n"] = 99
    assert await storage.get_data(KEY) == {"answer": "привет", "n": 3, "nested": {"a": [1, 2]}}
    assert await storage.update_data(KEY, {"n": 4}) == {
        "answer": "привет",
        "n": 4,
        "nested": {"a": [1, 2]},
    }
    assert await storage.get_value(KEY, "n") == 4
    assert await storage.get_value(KEY, "missing", "default") == "default"


async def test_state_and_data_are_independent(storage: BaseStorage) -> None:
    await storage.set_data(KEY, {"x": 1})
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) == Form.name.state
    assert await storage.get_data(KEY) == {}


async def test_data_must_be_a_dict(storage: BaseStorage) -> None:
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]


async def test_sqlite_storage_survives_reopening(db_path: Path) -> None:
    db = await Database.open(db_path)
    storage = await SQLiteStorage.open(db)
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"k": "v"})
    await db.close()
    db = await Database.open(db_path)
    try:
        reopened = await SQLiteStorage.open(db)
        assert await reopened.get_state(KEY) == Form.name.state
        assert await reopened.get_data(KEY) == {"k": "v"}
        assert await reopened.get_state(OTHER) is None
    finally:
        await db.close()


async def test_a_state_erased_in_the_database_is_gone(db: Database) -> None:
    """/forget deletes rows behind the storage's back; what it erased must not come back."""
    storage = await SQLiteStorage.open(db)
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"name": "Anna"})
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM fsm_states")
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
