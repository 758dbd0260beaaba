"""Shared fixtures: a real SQLite file per test, never a mock.

The suite is a process of its own, so it starts as `python -m bot` does: aiogram's types
are left to build on first use before anything imports aiogram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.process.lazy_aiogram_types import defer_aiogram_type_builds

defer_aiogram_type_builds()

from storage.database import Database  # noqa: E402


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "feedback.db"


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(db_path)
    try:
        yield database
    finally:
        await database.close()
