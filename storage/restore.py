"""Restoring a backup: the copy replaces DATABASE_PATH, and the file it replaces is kept.

The bot must be stopped (the instance lock says whether it is). The old file's `-wal` and
`-shm` go aside with it: a WAL left by a crash, met by the restored file, would be replayed
into it. Kept under one new name, the old file and its WAL still open together.
"""

from __future__ import annotations

import os
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
    except OSError as error:
        raise RestoreError(f"cannot lock {database}: {error}") from None
    staged = database.with_name(database.name + ".restoring")
    try:
        version = _copy_checked(backup, staged)
        kept = _set_aside(database, now) if database.exists() else None
        os.replace(staged, database)
    except OSError as error:
        raise RestoreError(f"the restore failed: {error}") from None
    finally:
        staged.unlink(missing_ok=True)
        lock.release()
    return RestoreInfo(version, kept)


def _copy_checked(backup: Path, staged: Path) -> int:
    """Check `backup`, then copy it to `staged` as one file (journal mode DELETE).

    SQLite's backup API copies what the backup holds, its own WAL included (a file kept
    aside by an earlier restore has one): copying the file alone would drop the WAL's data.
    """
    staged.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = _checked(backup, conn)
            copy = sqlite3.connect(staged)
            try:
                conn.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise RestoreError(f"{backup} is not a readable SQLite database: {error}") from None
    return version


def _checked(backup: Path, conn: sqlite3.Connection) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    healthy = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
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
    number = 1
    while any(Path(f"{kept}{suffix}").exists() for suffix in _COMPANIONS):
        number += 1  # two restores in one second: never replace a file kept before
        kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}-{number}")
    for suffix in _COMPANIONS:
        old = Path(f"{database}{suffix}")
        if old.exists():
            os.replace(old, Path(f"{kept}{suffix}"))
    return kept
