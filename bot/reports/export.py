"""/export: every survey with its answers, the purchases, the referrals and the leads, as files."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message

from analytics.owner_workbook import Presentation
from bot.formats import file_size
from bot.process.background import Background
from bot.reports.export_process import (
    EXPORT_FORMATS,
    ExportFiles,
    ExportStopped,
    export_folder,
    write_export,
)
from bot.reports.export_words import presentation
from bot.telegram_limits import UPLOAD_LIMIT
from bot.texts import t
from core.clock import Clock
from core.logs import log_failure
from storage.database import Database
from storage.live_settings import LiveSettings

log = logging.getLogger(__name__)


async def export(
    message: Message,
    command: CommandObject,
    db: Database,
    background: Background,
    live_settings: LiveSettings,
    clock: Clock,
    language: str,
) -> None:
    """`/export [csv|xlsx]`: every survey with its answers, purchases, referrals and leads.

    Written and sent in the background (bot/process/background.py): on a large database it takes
    minutes."""
    choice = (command.args or EXPORT_FORMATS[0]).strip().lower()
    if choice not in EXPORT_FORMATS:
        await message.answer(t(language, "export_usage"))
        return
    if background.stopping.is_set():
        await message.answer(t(language, "export_stopped"))
        return
    await message.answer(t(language, "export_working"))
    shown = presentation(language, live_settings.current.timezone, clock())
    sending = _send_export(message, db, background, choice, language, shown)
    if not background.start(sending, "export"):
        await message.answer(t(language, "export_stopped"))


async def _send_export(
    message: Message,
    db: Database,
    background: Background,
    choice: str,
    language: str,
    shown: Presentation,
) -> None:
    chat_id = message.chat.id
    try:
        with export_folder(db.path) as folder:
            try:
                files = await write_export(db.path, choice, folder, background.stopping, shown)
            finally:
                await db.checkpoint_if_owed()  # an erasure while the export held its snapshot
            await _send_files(message, files, choice, language)
    except ExportStopped:
        log.info("export (%s) for %s stopped by the bot's stop", choice, chat_id)
        await message.answer(t(language, "export_stopped"))
        return
    except Exception as error:  # its message may quote a row being written
        log_failure(log, error, "export (%s) for %s", choice, chat_id)
        await message.answer(t(language, "error"))
        return
    log.info("export (%s) sent to %s", choice, chat_id)


async def _send_files(message: Message, files: ExportFiles, choice: str, language: str) -> None:
    largest = max(path.stat().st_size for path in files.paths)
    if largest > UPLOAD_LIMIT:
        size, limit = file_size(largest, language), file_size(UPLOAD_LIMIT, language)
        key = "export_too_big" if choice == "csv" else "export_too_big_xlsx"
        await message.answer(t(language, key, size=size, limit=limit))
        return
    caption = t(
        language,
        "export_caption",
        surveys=files.surveys,
        purchases=files.purchases,
        referrals=files.referrals,
        leads=files.leads,
    )
    for index, path in enumerate(files.paths):
        await message.answer_document(
            FSInputFile(path, filename=path.name), caption=caption if index == 0 else None
        )


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="export")
    router.message.register(export, Command("export"))
    return router
