"""/backup: an owner gets a consistent copy of the database in the chat."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import FSInputFile, Message

from bot.formats import file_size, zone_name
from bot.roles import Roles
from bot.telegram_limits import UPLOAD_LIMIT
from bot.texts import local_time, t
from core.clock import Clock
from storage.backup import BackupError, backup_database
from storage.database import Database
from storage.live_settings import LiveSettings

log = logging.getLogger(__name__)


async def backup_command(
    message: Message,
    db: Database,
    roles: Roles,
    clock: Clock,
    live_settings: LiveSettings,
    language: str,
) -> None:
    assert message.from_user is not None
    if not roles.is_owner(message.from_user.id):
        await message.answer(t(language, "backup_owners_only"))
        return
    now = clock()
    with tempfile.TemporaryDirectory(prefix="feedback-backup-") as folder:
        target = Path(folder) / f"feedback-{now:%Y%m%d-%H%M%S}.db"
        try:
            info = await asyncio.to_thread(backup_database, db.path, target)
        except BackupError as error:
            log.error("backup for owner %s failed: %s", message.from_user.id, error)
            await message.answer(t(language, "backup_failed"))
            return
        if info.size > UPLOAD_LIMIT:
            limit = file_size(UPLOAD_LIMIT, language)
            await message.answer(
                t(language, "backup_too_big", size=file_size(info.size, language), limit=limit)
            )
            return
        caption = t(
            language,
            "backup_caption",
            when=local_time(now, live_settings.current.tz, language),
            zone=zone_name(live_settings.current.tz, language),
            size=file_size(info.size, language),
            version=info.schema_version,
        )
        await message.answer_document(FSInputFile(target, filename=target.name), caption=caption)
    log.info("backup sent to owner %s (%s bytes)", message.from_user.id, info.size)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="backup")
    router.message.register(backup_command, Command("backup"))
    return router
