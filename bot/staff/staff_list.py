"""/staff: who runs the bot. Owners and admins see the list; owners change it."""

from __future__ import annotations

import logging
import re

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.languages import staff_language
from bot.menus import publish_staff_menu
from bot.roles import Roles, staff_name
from bot.texts import t
from core.clock import Clock
from storage import staff
from storage.database import Database
from storage.live_settings import LiveSettings
from storage.models import MAX_ROW_ID
from storage.staff import Change, Role

log = logging.getLogger(__name__)

USER_ID = re.compile(r"[0-9]{1,19}")

_REPLIES = {
    Change.ADDED: "staff_added",
    Change.ROLE_CHANGED: "staff_role_changed",
    Change.UNCHANGED: "staff_unchanged",
    Change.REMOVED: "staff_removed",
    Change.NOT_STAFF: "staff_not_member",
    Change.LAST_OWNER: "staff_last_owner",
}


async def staff_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    roles: Roles,
    clock: Clock,
    live_settings: LiveSettings,
    language: str,
) -> None:
    """`/staff`, `/staff add <id> admin|owner`, `/staff remove <id>`."""
    assert message.from_user is not None
    args = (command.args or "").split()
    if not args:
        await message.answer(await _listing(db, language))
        return
    if not roles.is_owner(message.from_user.id):
        await message.answer(t(language, "owners_only"))
        return
    action, rest = args[0].lower(), args[1:]
    valid_id = bool(rest) and USER_ID.fullmatch(rest[0]) and int(rest[0]) <= MAX_ROW_ID
    if action == "add" and len(rest) == 2 and valid_id and rest[1].lower() in set(Role):
        user_id, role = int(rest[0]), Role(rest[1].lower())
        async with db.transaction() as conn:
            change = await staff.set_role(conn, user_id, role, message.from_user.id, clock())
    elif action == "remove" and len(rest) == 1 and valid_id:
        user_id, role = int(rest[0]), None
        async with db.transaction() as conn:
            change = await staff.remove(conn, user_id, message.from_user.id, clock())
    else:
        await message.answer(t(language, "staff_usage"))
        return
    if change in (Change.ADDED, Change.ROLE_CHANGED, Change.REMOVED):
        await roles.load(db)
        language_of_member = await staff_language(db, user_id)
        await publish_staff_menu(
            bot, roles, user_id, language_of_member, webapp_url=live_settings.base.webapp_url
        )
        log.info("staff %s: %s by %s", user_id, change.value, message.from_user.id)
    await message.answer(
        t(language, _REPLIES[change], user=user_id, role=t(language, f"role_{role or 'none'}"))
    )


async def _listing(db: Database, language: str) -> str:
    lines = [t(language, "staff_title")]
    for member in await staff.members(db.reader):
        lines.append(
            t(
                language,
                "staff_line",
                name=await staff_name(db, member.user_id),
                user=member.user_id,
                role=t(language, f"role_{member.role}"),
            )
        )
    lines.append(t(language, "staff_hint"))
    return "\n".join(lines)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="team")
    router.message.register(staff_command, Command("staff"))
    return router
