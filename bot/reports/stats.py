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
from core.period import Period
from storage import insight, stores
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
    """`/stats [7d|30d|90d|all] [store]`: the headline figures of the period, ending now,
    of every store or of one (by its name, key or alias)."""
    settings = live_settings.current
    choice, _, store_name = (command.args or DEFAULT_STATS_PERIOD).strip().partition(" ")
    choice = choice.lower()
    if choice not in STATS_PERIODS:
        await message.answer(t(language, "stats_usage"))
        return
    store_key = None
    if store_name.strip():
        store_key = await stores.find(db.reader, store_name)
        if store_key is None:
            await message.answer(t(language, "stores_unknown", name=store_name.strip()))
            return
    now = clock()
    length = STATS_PERIODS[choice]
    period = Period.up_to(now, length) if length else await insight.whole_history(db.reader, now)
    if period is None:
        await message.answer(t(language, "stats_empty"))
        return
    report = await digests.report(period, details=False, store_key=store_key)
    label = t(language, f"stats_label_{choice}")
    if store_key is not None:
        shown = (await stores.names(db.reader)).get(store_key, store_key)
        label = t(language, "stats_label_store", label=label, store=shown)
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
