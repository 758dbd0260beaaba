"""Consistent copies of the database while the bot runs, with SQLite's online backup API.

The copy is taken in one step, so it is one snapshot of the file even while the bot writes
(WAL lets a reader copy while the writer goes on). It is written beside the target and
renamed into place only after `PRAGMA integrity_check` passed, so a file with the target's
name is always a whole, checked copy. The copy is a single file (journal mode DELETE):
restoring it is copying it to DATABASE_PATH while the bot is stopped.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.database import BUSY_TIMEOUT_MS


class BackupError(Exception):
    """The copy could not be made; the message is one line for the owner."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    size: int
    schema_version: int


def backup_database(source: Path, target: Path) -> BackupInfo:
    """Copy the database at `source` to `target` (replacing it); blocking, run in a thread."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup cannot overwrite the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        version = _copy(source, partial)
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupError(f"the copy failed: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(target, target.stat().st_size, version)


def _copy(source: Path, partial: Path) -> int:
    # mode=rw: a mistyped path fails instead of creating an empty database.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True)
    try:
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = int(src.execute("PRAGMA user_version").fetchone()[0])
        if version == 0:
            raise BackupError(f"{source} is not a feedback bot database")
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # every page in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("the copy failed its integrity check")
        finally:
            dst.close()
    finally:
        src.close()
    return version


SCHEDULED_PREFIX = "feedback-"
SCHEDULED_SUFFIX = ".db"


def scheduled_name(moment: datetime) -> str:
    """`feedback-20261206-0300.db`: names sort in time order, which rotation relies on."""
    return f"{SCHEDULED_PREFIX}{moment:%Y%m%d-%H%M}{SCHEDULED_SUFFIX}"


def rotate(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` scheduled copies in `folder`; the ones removed.
    Other files there are not touched."""
    copies = sorted(
        path
        for path in Path(folder).glob(f"{SCHEDULED_PREFIX}*{SCHEDULED_SUFFIX}")
        if path.is_file()
    )
    removed = copies[: max(len(copies) - keep, 0)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
