"""/settings: staff see the settings in force; owners change them without a restart."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.menus import RESET_WORD
from bot.reports.digest import DigestService
from bot.roles import Roles, staff_name
from bot.texts import local_time, t
from core.clock import Clock
from core.owner_settings import RUNTIME, SettingError, runtime_name, shown
from core.settings import Settings
from storage.database import Database
from storage.live_settings import LiveSettings

log = logging.getLogger(__name__)


async def settings_command(
    message: Message,
    command: CommandObject,
    db: Database,
    roles: Roles,
    clock: Clock,
    live_settings: LiveSettings,
    digests: DigestService,
    language: str,
) -> None:
    """`/settings`, `/settings <name> <value>`, `/settings <name> default`."""
    assert message.from_user is not None
    user_id = message.from_user.id
    args = (command.args or "").split(maxsplit=1)
    if not args:
        await message.answer(await _listing(db, live_settings, language))
        return
    if not roles.is_owner(user_id):
        await message.answer(t(language, "settings_owners_only"))
        return
    name = runtime_name(args[0])
    if name is None:
        await message.answer(
            t(language, "settings_unknown", name=args[0], names=", ".join(RUNTIME))
        )
        return
    value = args[1].strip() if len(args) == 2 else ""
    if not value:
        fmt = t(language, f"setting_format_{name}")
        await message.answer(t(language, "settings_usage", name=name, format=fmt))
        return
    now = clock()
    if value.lower() == RESET_WORD:
        changed = await live_settings.reset(db, name, user_id, now)
        key = "settings_reset" if changed else "settings_not_changed"
        text = t(language, key, name=name, value=shown(live_settings.current, name))
    else:
        try:
            stored = await live_settings.change(db, name, value, user_id, now)
        except SettingError as error:
            fmt = t(language, f"setting_format_{name}")
            log.debug("setting %s refused: %s", name, error)
            text = t(language, "settings_invalid", name=name, value=value, format=fmt)
            await message.answer(text)
            return
        changed = True
        text = t(language, "settings_changed", name=name, value=stored)
    if changed:
        log.info("setting %s changed by staff %s", name, user_id)
        if name in ("digest_schedule", "timezone"):  # the slots move: start from the next
            await digests.restart_schedule()
    await message.answer(text)


async def _listing(db: Database, live: LiveSettings, language: str) -> str:
    current: Settings = live.current
    lines = [t(language, "settings_title", timezone=current.timezone)]
    for name in RUNTIME:
        override = live.overrides.get(name)
        if override is None:
            origin = t(language, "settings_origin_default")
        else:
            origin = t(
                language,
                "settings_origin_changed",
                who=await staff_name(db, override.changed_by),
                when=local_time(override.changed_at, current.tz, language),
                default=shown(live.base, name),
            )
        lines.append(
            t(
                language,
                "settings_line",
                name=name,
                value=shown(current, name),
                description=t(language, f"setting_{name}"),
                origin=origin,
            )
        )
    lines.append(t(language, "settings_hint"))
    return "\n".join(lines)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="settings")
    router.message.register(settings_command, Command("settings"))
    return router
