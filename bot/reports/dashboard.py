"""/dashboard: the Mini App's button, and what the app's server may ask of the bot.

The app (webapp/) never imports the bot: `page_services` hands it the bot's own ways of
handling an alert (every owner's copy of it is edited, as when its button is pressed in
the chat), naming staff, speaking their language and writing an export.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, WebAppInfo

from bot.languages import language_of_id
from bot.process.background import Background
from bot.reports.alerts import AlertNotifier
from bot.reports.digest import DigestService
from bot.reports.export_process import export_folder, write_export
from bot.reports.export_words import presentation
from bot.roles import Roles, staff_name
from bot.texts import t
from core.clock import Clock
from storage.database import Database
from storage.live_settings import LiveSettings
from webapp.services import BotSide

SCHEDULE_SETTINGS = ("digest_schedule", "timezone")
"""Settings that move the digest's slots: the schedule starts again from the next one."""


async def dashboard(message: Message, live_settings: LiveSettings, language: str) -> None:
    """`/dashboard`: a button that opens the Mini App (WEBAPP_URL), or how to turn it on."""
    url = live_settings.base.webapp_url
    if not url:
        await message.answer(t(language, "dashboard_off"))
        return
    button = InlineKeyboardButton(text=t(language, "dashboard_button"), web_app=WebAppInfo(url=url))
    await message.answer(
        t(language, "dashboard_open"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )


def page_services(
    *,
    bot: Bot,
    db: Database,
    roles: Roles,
    alerts: AlertNotifier,
    digests: DigestService,
    background: Background,
    live_settings: LiveSettings,
    clock: Clock,
) -> BotSide:
    async def claim(alert_id: int, user_id: int) -> bool:
        changed = await alerts.claim(alert_id, user_id)
        await alerts.refresh(bot, alert_id)
        return changed

    async def resolve(alert_id: int, user_id: int) -> bool:
        changed = await alerts.resolve(alert_id, user_id)
        await alerts.refresh(bot, alert_id)
        return changed

    async def name(user_id: int) -> str:
        return await staff_name(db, user_id)

    async def language(user_id: int, language_code: str | None) -> str:
        return await language_of_id(db, user_id, language_code)

    async def setting_changed(setting: str) -> None:
        if setting in SCHEDULE_SETTINGS:
            await digests.restart_schedule()

    @asynccontextmanager
    async def export(kind: str, language: str) -> AsyncIterator[list[Path]]:
        shown = presentation(language, live_settings.current.timezone, clock())
        with export_folder(db.path) as folder:
            try:
                files = await write_export(db.path, kind, folder, background.stopping, shown)
            finally:
                await db.checkpoint_if_owed()  # an erasure while the export held its snapshot
            yield files.paths

    return BotSide(
        roles=roles,
        claim_alert=claim,
        resolve_alert=resolve,
        staff_name=name,
        setting_changed=setting_changed,
        language=language,
        words=t,
        export=export,
    )


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="dashboard")
    router.message.register(dashboard, Command("dashboard"))
    return router
