"""What the page's server needs from the bot, handed over by bot/dashboard.py: the page never
imports the bot, so what only the bot can do (edit the owners' alert messages, write an
export in its words, name its staff) comes in as functions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

from core.clock import Clock
from storage.database import Database
from storage.live_settings import LiveSettings
from webapp.access import StaffRoles

AlertAction = Callable[[int, int], Awaitable[bool]]
"""(alert id, staff member's id) → whether it changed; every chat copy shows the change."""
Exporter = Callable[[str, str], AbstractAsyncContextManager[list[Path]]]
"""(csv or xlsx, language) → the export's files, removed when the context ends."""


@dataclass(frozen=True, slots=True)
class BotSide:
    roles: StaffRoles
    claim_alert: AlertAction
    resolve_alert: AlertAction
    staff_name: Callable[[int], Awaitable[str]]
    setting_changed: Callable[[str], Awaitable[None]]
    """Called after an owner changed a setting from the page (the digest's slots move)."""
    language: Callable[[int, str | None], Awaitable[str]]
    """(user id, Telegram's language code) → the language the bot speaks to them: ru or en."""
    words: Callable[[str, str], str]
    """(language, key) → the bot's own text, for the settings' descriptions."""
    export: Exporter


@dataclass(frozen=True, slots=True)
class PageContext:
    db: Database
    live_settings: LiveSettings
    clock: Clock
    token: str
    bot: BotSide
