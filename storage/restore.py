"""Restoring a backup: the copy replaces DATABASE_PATH, and the file it replaces is kept.

The bot must be stopped (the instance lock says whether it is). The old file's `-wal` and
`-shm` go aside with it: a WAL left by a crash, met by the restored file, would be replayed
into it. Kept under one new name, the old file and its WAL still open together.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.instance_lock import DatabaseInUse, InstanceLock
from storage.migrations import MIGRATIONS

_COMPANIONS = ("", "-wal", "-shm")


class RestoreError(Exception):
    """Nothing was changed; the message is one line for the owner."""


@dataclass(frozen=True, slots=True)
class RestoreInfo:
    schema_version: int
    kept: Path | None
    """Where the replaced database now is; None if there was none."""


def restore_database(backup: Path, database: Path, now: datetime) -> RestoreInfo:
    """Put a checked copy of `backup` at `database`; blocking."""
    backup, database = Path(backup), Path(database)
    if not backup.is_file():
        raise RestoreError(f"there is no backup file at {backup}")
    if database.exists() and backup.resolve() == database.resolve():
        raise RestoreError("the backup is the database itself")
    try:
        lock = InstanceLock.acquire(database)
    except DatabaseInUse as error:
        raise RestoreError(f"{error}: stop the bot first") from None
    try:
        version = _checked(backup)
        staged = database.with_name(database.name + ".restoring")
        shutil.copyfile(backup, staged)
        kept = _set_aside(database, now) if database.exists() else None
        os.replace(staged, database)
    finally:
        lock.release()
    return RestoreInfo(version, kept)


def _checked(backup: Path) -> int:
    try:
        conn = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            healthy = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise RestoreError(f"{backup} is not a readable SQLite database: {error}") from None
    if version == 0:
        raise RestoreError(f"{backup} is not a feedback bot database")
    if version > len(MIGRATIONS):
        raise RestoreError(
            f"{backup} has schema version {version}, newer than this bot's {len(MIGRATIONS)}"
        )
    if not healthy:
        raise RestoreError(f"{backup} fails SQLite's integrity check")
    return version


def _set_aside(database: Path, now: datetime) -> Path:
    kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}")
    for suffix in _COMPANIONS:
        old = Path(f"{database}{suffix}")
        if old.exists():
            os.replace(old, Path(f"{kept}{suffix}"))
    return kept
