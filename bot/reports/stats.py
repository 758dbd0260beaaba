"""What owners and admins ask for: /stats, /digest, /export, and the alert buttons."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import datetime, timedelta

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, FSInputFile, Message

from bot.callbacks import AlertAction, AlertCallback
from bot.filters import IsStaff
from bot.languages import language_of
from bot.process.background import Background
from bot.reports.alerts import AlertNotifier
from bot.reports.digest import DigestService
from bot.reports.export_process import (
    EXPORT_FORMATS,
    ExportFiles,
    ExportStopped,
    export_folder,
    write_export,
)
from bot.reports.report_text import stats_message
from bot.telegram_limits import UPLOAD_LIMIT, megabytes
from bot.texts import t
from core.clock import Clock, from_db
from core.logs import log_failure
from core.period import RESOLUTION, Period
from storage.database import Database
from storage.live_settings import LiveSettings

log = logging.getLogger(__name__)


STATS_PERIODS: dict[str, timedelta | None] = {
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "all": None,
}
DEFAULT_STATS_PERIOD = "30d"


async def _language(db: Database, message: Message | CallbackQuery) -> str:
    return await language_of(db, message.from_user)


async def _first_recorded(db: Database) -> datetime | None:
    """When the first purchase or answer was recorded: where `/stats all` starts."""
    rows = await db.reader.execute_fetchall(
        """SELECT MIN(first) FROM (
               SELECT MIN(purchased_at) AS first FROM purchases
               UNION ALL SELECT MIN(answered_at) FROM answers)"""
    )
    first = next(iter(rows))[0]
    return None if first is None else from_db(first)


async def stats(
    message: Message,
    command: CommandObject,
    db: Database,
    live_settings: LiveSettings,
    clock: Clock,
    digests: DigestService,
) -> None:
    """`/stats [7d|30d|90d|all]`: the headline figures of the period, ending now."""
    settings = live_settings.current
    language = await _language(db, message)
    choice = (command.args or DEFAULT_STATS_PERIOD).strip().lower()
    if choice not in STATS_PERIODS:
        await message.answer(t(language, "stats_usage"))
        return
    now = clock()
    length = STATS_PERIODS[choice]
    if length is None:
        first = await _first_recorded(db)
        if first is None:
            await message.answer(t(language, "stats_empty"))
            return
        length = now - first + RESOLUTION  # `first` included
    report = await digests.report(Period.up_to(now, length), details=False)
    label = t(language, f"stats_label_{choice}")
    await message.answer(stats_message(report, language, settings.tz, label))


async def digest(message: Message, bot: Bot, db: Database, digests: DigestService) -> None:
    """`/digest`: the digest of the last seven days, now, to the caller."""
    assert message.from_user is not None
    await digests.send_now(bot, message.chat.id, await _language(db, message))


async def export(
    message: Message, command: CommandObject, db: Database, background: Background
) -> None:
    """`/export [csv|xlsx]`: every survey with its answers, the purchases and the referrals.

    Written and sent in the background (bot/process/background.py): on a large database it takes
    minutes."""
    language = await _language(db, message)
    choice = (command.args or EXPORT_FORMATS[0]).strip().lower()
    if choice not in EXPORT_FORMATS:
        await message.answer(t(language, "export_usage"))
        return
    if background.stopping.is_set():
        await message.answer(t(language, "export_stopped"))
        return
    await message.answer(t(language, "export_working"))
    if not background.start(_send_export(message, db, background, choice, language), "export"):
        await message.answer(t(language, "export_stopped"))


async def _send_export(
    message: Message, db: Database, background: Background, choice: str, language: str
) -> None:
    chat_id = message.chat.id
    try:
        with export_folder(db.path) as folder:
            try:
                files = await write_export(db.path, choice, folder, background.stopping)
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
        size, limit = megabytes(largest), megabytes(UPLOAD_LIMIT)
        key = "export_too_big" if choice == "csv" else "export_too_big_xlsx"
        await message.answer(t(language, key, size=size, limit=limit))
        return
    caption = t(
        language,
        "export_caption",
        surveys=files.surveys,
        purchases=files.purchases,
        referrals=files.referrals,
    )
    for index, path in enumerate(files.paths):
        await message.answer_document(
            FSInputFile(path, filename=path.name), caption=caption if index == 0 else None
        )


async def alert_button(
    query: CallbackQuery,
    callback_data: AlertCallback,
    bot: Bot,
    db: Database,
    alerts: AlertNotifier,
) -> None:
    """ "I'll handle it" and "Resolved" under a detractor alert."""
    language = await _language(db, query)
    if await alerts.get(callback_data.alert_id) is None:
        with suppress(TelegramBadRequest):
            await query.answer(t(language, "alert_gone"))
        return
    if callback_data.action is AlertAction.CLAIM:
        changed = await alerts.claim(callback_data.alert_id, query.from_user.id)
        reply = "alert_claim_ok" if changed else "alert_already_resolved"
    else:
        changed = await alerts.resolve(callback_data.alert_id, query.from_user.id)
        reply = "alert_resolve_ok" if changed else "alert_already_resolved"
    with suppress(TelegramBadRequest):
        await query.answer(t(language, reply))
    # Refresh even when nothing changed: a stale copy then shows the real state.
    await alerts.refresh(bot, callback_data.alert_id)


def build_router() -> Router:
    """A fresh router per application (a router can belong to one dispatcher only)."""
    router = Router(name="insight")
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsStaff())
    router.callback_query.filter(IsStaff())
    router.message.register(stats, Command("stats"))
    router.message.register(digest, Command("digest"))
    router.message.register(export, Command("export"))
    router.callback_query.register(alert_button, AlertCallback.filter())
    return router
