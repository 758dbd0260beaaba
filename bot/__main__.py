"""`python -m bot` (or `feedback-bot`): the bot's process and its maintenance commands.

`python -m bot` runs the bot: long polling, or webhook mode with WEBHOOK_URL.
`python -m bot backup <file>` copies DATABASE_PATH to <file>, also while the bot runs.
`python -m bot restore <file>` puts that copy back at DATABASE_PATH, with the bot stopped.
`python -m bot health` asks the running bot's /healthz (exit 0 healthy, 1 not).
`python -m bot check` checks the set-up, one line per item (exit 0 all fine, 1 not).
`python -m bot new-secret` prints a new webhook secret for EVENTS_SECRET.

Every refusal is one line on stderr and exit code 2.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from pathlib import Path

from bot.process.lazy_aiogram_types import defer_aiogram_type_builds
from core.clock import utc_now
from core.logs import configure_logging
from core.settings import ConfigError, Settings, load_settings, require_token
from storage.backup import BackupError, backup_database
from storage.instance_lock import DatabaseInUse
from storage.migrations import SchemaTooNewError
from storage.restore import RestoreError, restore_database

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    from bot.app import create_app  # imports aiogram: after its types are made lazy
    from bot.process.reach_telegram import TokenRefused

    app = await create_app(settings)
    app.tune_garbage_collector_once_started()
    try:
        await app.run()
    except TokenRefused as error:  # trying again cannot help: exit code 2, as for a bad setting
        raise ConfigError(str(error)) from None


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def backup(args: list[str]) -> None:
    """`python -m bot backup <file>`: a consistent copy of the database; no token needed."""
    if len(args) != 1:
        fail("Usage: python -m bot backup <file>")
        return
    try:
        settings = load_settings()
        info = backup_database(settings.database_path, Path(args[0]))
    except (ConfigError, BackupError) as error:
        fail(f"Backup failed: {error}" if isinstance(error, BackupError) else str(error))
        return
    print(
        f"Backup written to {info.path} ({info.size} bytes, schema version {info.schema_version})"
    )


def restore(args: list[str]) -> None:
    """`python -m bot restore <file>`: the backup back at DATABASE_PATH, the old file kept."""
    if len(args) != 1:
        fail("Usage: python -m bot restore <file>")
        return
    try:
        settings = load_settings()
        info = restore_database(Path(args[0]), settings.database_path, utc_now())
    except (ConfigError, RestoreError) as error:
        fail(f"Restore failed: {error}" if isinstance(error, RestoreError) else str(error))
        return
    kept = f"; the database it replaced is kept as {info.kept}" if info.kept else ""
    print(
        f"Restored {args[0]} to {settings.database_path}"
        f" (schema version {info.schema_version}){kept}. Start the bot."
    )


def health(args: list[str]) -> None:
    """`python -m bot health`: exit 0 if the running bot says it is healthy, 1 if not."""
    from bot.process.health import check

    if args:
        fail("Usage: python -m bot health")
        return
    try:
        healthy, line = check(load_settings())
    except ConfigError as error:
        healthy, line = False, str(error)
    print(line, file=sys.stdout if healthy else sys.stderr)
    raise SystemExit(0 if healthy else 1)  # 2 means something else to Docker


def check(args: list[str]) -> None:
    """`python -m bot check`: one line per item of the set-up; exit 0 when all are fine."""
    if args:
        fail("Usage: python -m bot check")
        return
    from bot.check import run_checks

    lines = asyncio.run(run_checks())
    for line in lines:
        print(line)
    raise SystemExit(0 if all(line.ok for line in lines) else 1)


def new_secret(args: list[str]) -> None:
    """`python -m bot new-secret`: a fresh `whsec_` secret, for EVENTS_SECRET."""
    if args:
        fail("Usage: python -m bot new-secret")
        return
    from hooks.signing import new_secret as fresh

    print(fresh())


def run_bot(args: list[str]) -> None:
    """`python -m bot`: run until SIGTERM or Ctrl+C."""
    if args:
        commands = "|".join(COMMANDS)
        fail(f"Unknown arguments {' '.join(args)}: use python -m bot [{commands}]")
        return
    try:
        settings = load_settings()
        require_token(settings)
    except ConfigError as error:
        fail(str(error))
        return
    configure_logging(settings.log_level, settings.log_format)
    if not defer_aiogram_type_builds():
        log.warning("aiogram's types were built at import: start-up is slower than it should be")
    try:
        asyncio.run(run(settings))
    except ConfigError as error:  # found only at start: an API_PORT taken, a token refused
        fail(str(error))
    except (SchemaTooNewError, DatabaseInUse) as error:
        fail(f"Database error: {error}")
    except (OSError, sqlite3.Error) as error:
        fail(f"Database error: cannot open DATABASE_PATH={settings.database_path}: {error}")


COMMANDS = {
    "backup": backup,
    "restore": restore,
    "health": health,
    "check": check,
    "new-secret": new_secret,
}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    command = COMMANDS.get(args[0]) if args else None
    if command is not None:
        command(args[1:])
    else:
        run_bot(args)


if __name__ == "__main__":
    main()
