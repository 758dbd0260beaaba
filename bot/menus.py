"""Who may use which command, and the menus Telegram shows for it.

Customers see their menu everywhere; each staff chat gets the menu of that person's role,
published at start-up and whenever /staff changes it. `/help` lists the same commands.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)

from bot.roles import Roles
from bot.texts import LANGUAGES, t

log = logging.getLogger(__name__)

CUSTOMER_MENU = ("start", "help", "language", "stop", "forget")
ADMIN_MENU = (
    *CUSTOMER_MENU,
    "purchase",
    "qr",
    "stores",
    "themes",
    "leads",
    "stats",
    "dashboard",
    "digest",
    "export",
    "pause",
    "resume",
    "staff",
    "settings",
    "questions",
    "preview",
)
OWNER_MENU = (*ADMIN_MENU, "reward", "backup", "hooks")
OWNERS_DO_MORE = frozenset({"staff", "settings", "questions", "stores", "themes"})
"""Commands that admins may only look with, and owners also change with (`cmd_<name>_owner`)."""
RESET_WORD = "default"
"""`/settings <name> default`, `/questions <key> <language> default`: back to the standard."""

STAFF_COMMANDS = tuple(name for name in OWNER_MENU if name not in CUSTOMER_MENU)
"""Commands refused, with "for staff only", to everyone who is not staff."""


def menu_for(roles: Roles, user_id: int) -> tuple[str, ...]:
    if roles.is_owner(user_id):
        return OWNER_MENU
    return ADMIN_MENU if roles.is_admin(user_id) else CUSTOMER_MENU


def _commands(names: tuple[str, ...], language: str, *, owner: bool = False) -> list[BotCommand]:
    return [
        BotCommand(
            command=name,
            description=t(
                language, f"cmd_{name}_owner" if owner and name in OWNERS_DO_MORE else f"cmd_{name}"
            ),
        )
        for name in names
    ]


async def publish_customer_menu(bot: Bot) -> None:
    for language in LANGUAGES:
        await bot.set_my_commands(
            _commands(CUSTOMER_MENU, language),
            BotCommandScopeDefault(),
            language_code=None if language == "en" else language,
        )


async def publish_staff_menu(
    bot: Bot, roles: Roles, user_id: int, language: str, *, webapp_url: str
) -> None:
    """The menu of this person's role in their chat, with the dashboard as the chat's menu
    button when WEBAPP_URL is set; someone no longer staff loses both.

    Telegram refuses a chat the person has not opened yet; their /start publishes it again.
    """
    scope = BotCommandScopeChat(chat_id=user_id)
    try:
        if roles.is_admin(user_id):
            menu = _commands(menu_for(roles, user_id), language, owner=roles.is_owner(user_id))
            await bot.set_my_commands(menu, scope)
        else:
            await bot.delete_my_commands(scope=scope)
        await bot.set_chat_menu_button(
            chat_id=user_id, menu_button=_menu_button(roles, user_id, language, webapp_url)
        )
    except TelegramAPIError as error:
        log.warning("no staff command menu for %s yet: %s", user_id, error.message)


def _menu_button(
    roles: Roles, user_id: int, language: str, webapp_url: str
) -> MenuButtonWebApp | MenuButtonDefault:
    if webapp_url and roles.is_admin(user_id):
        return MenuButtonWebApp(
            text=t(language, "dashboard_button"), web_app=WebAppInfo(url=webapp_url)
        )
    return MenuButtonDefault()
