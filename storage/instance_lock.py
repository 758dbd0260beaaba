"""One process at a time owns a database file: the bot, or a restore.

A second bot on the same file would answer the same customers twice, and a restore must
never replace the file under a running bot (its open connections would go on writing to
the old one). The lock is an `flock` on `<database>.lock`, held for the owner's life; the
kernel drops it when the process ends, however it ends, so a crash leaves nothing stale.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class DatabaseInUse(Exception):
    """Another process holds the database; the message is one line for the owner."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class InstanceLock:
    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database: Path) -> InstanceLock:
        path = lock_path(Path(database))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(
                f"another process (a running bot or a restore) is using {database}"
            ) from None
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None
