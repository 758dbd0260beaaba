"""What owners and admins ask for: /stats, /digest, /export, and the alert buttons."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.reports.digest import DigestService
from bot.reports.report_text import stats_message
from bot.texts import t
from core.clock import Clock
from core.period import RESOLUTION, Period
from storage import insight
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


async def stats(
    message: Message,
    command: CommandObject,
    db: Database,
    live_settings: LiveSettings,
    clock: Clock,
    digests: DigestService,
    language: str,
) -> None:
    """`/stats [7d|30d|90d|all]`: the headline figures of the period, ending now."""
    settings = live_settings.current
    choice = (command.args or DEFAULT_STATS_PERIOD).strip().lower()
    if choice not in STATS_PERIODS:
        await message.answer(t(language, "stats_usage"))
        return
    now = clock()
    length = STATS_PERIODS[choice]
    if length is None:
        first = await insight.first_recorded(db.reader)
        if first is None:
            await message.answer(t(language, "stats_empty"))
            return
        length = now - first + RESOLUTION  # `first` included
    report = await digests.report(Period.up_to(now, length), details=False)
    label = t(language, f"stats_label_{choice}")
    await message.answer(stats_message(report, language, settings.tz, label))


async def digest(
    message: Message, bot: Bot, db: Database, digests: DigestService, language: str
) -> None:
    """`/digest`: the digest of the last seven days, now, to the caller."""
    assert message.from_user is not None
    await digests.send_now(bot, message.chat.id, language)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="stats")
    router.message.register(stats, Command("stats"))
    router.message.register(digest, Command("digest"))
    return router
