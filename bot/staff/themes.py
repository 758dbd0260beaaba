"""/themes: the dictionary the themes of written answers are read with.

Owners add words (a new name starts a theme), remove words or a theme, rename and merge.
Each change has every written answer read again (storage.theme_tagging); the digest and
/stats wait for that before they count.
"""

from __future__ import annotations

import logging

import aiosqlite
from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from analytics.themes import Theme
from bot.roles import Roles
from bot.telegram_limits import MESSAGE_LENGTH
from bot.texts import t
from storage import themes
from storage.database import Database
from storage.theme_tagging import ThemeTagger
from storage.themes import ThemeError

log = logging.getLogger(__name__)

CHANGES = ("add", "remove", "rename", "merge")
SHOWN_WORDS = 12
"""The list shows a theme's first words; `/themes <theme>` shows them all."""


async def themes_command(
    message: Message,
    command: CommandObject,
    db: Database,
    roles: Roles,
    theme_tagger: ThemeTagger,
    language: str,
) -> None:
    """`/themes`, `/themes <theme>`; owners also `add <theme> = <words>`, `remove <theme>`,
    `remove <theme> = <words>`, `rename <theme> = <name>`, `merge <theme> = <other theme>`."""
    assert message.from_user is not None
    args = (command.args or "").strip()
    verb, _, rest = args.partition(" ")
    if not args:
        await message.answer(listing_text(await themes.dictionary(db.reader), language))
        return
    if verb.lower() not in CHANGES:
        theme = await themes.find(db.reader, args)
        if theme is None:
            await message.answer(t(language, "themes_unknown", name=args))
        else:
            await message.answer(theme_text(theme, language))
        return
    if not roles.is_owner(message.from_user.id):
        await message.answer(t(language, "themes_owners_only"))
        return
    name, equals, value = (part.strip() for part in rest.partition("="))
    words = [word.strip() for word in value.split(",") if word.strip()]
    verb = verb.lower()
    needs_value = verb != "remove"
    if not name or (needs_value and not value) or (equals and not value):
        await message.answer(t(language, "themes_usage"))
        return
    try:
        async with theme_tagger.editing(), db.transaction() as conn:
            reply = await _change(conn, verb, name, value, words, language)
    except ThemeError as error:
        await message.answer(t(language, error.reason, name=error.name))
        return
    log.info("themes changed (%s) by staff %s", verb, message.from_user.id)
    await message.answer(reply + "\n" + t(language, "themes_reread"))


async def _change(
    conn: aiosqlite.Connection, verb: str, name: str, value: str, words: list[str], language: str
) -> str:
    if verb == "add":
        theme, new = await themes.add_entries(conn, name, words)
        key = "themes_created" if new else "themes_added"
        return t(language, key, name=theme.name(language), count=len(words))
    if verb == "remove" and value:
        theme = await themes.remove_entries(conn, name, words)
        return t(language, "themes_words_removed", name=theme.name(language), count=len(words))
    if verb == "remove":
        theme = await themes.remove(conn, name)
        return t(language, "themes_removed", name=theme.name(language))
    if verb == "rename":
        theme = await themes.rename(conn, name, value, language)
        return t(language, "themes_renamed", name=theme.name(language))
    into = await themes.merge(conn, name, value)
    return t(language, "themes_merged", name=name, into=into.name(language))


def listing_text(dictionary: list[Theme], language: str) -> str:
    if not dictionary:
        return t(language, "themes_none")
    lines = [t(language, "themes_list_title", count=len(dictionary))]
    for theme in dictionary:
        shown = ", ".join(theme.entries[:SHOWN_WORDS])
        more = len(theme.entries) - SHOWN_WORDS
        lines.append(
            t(
                language,
                "themes_list_line" if more <= 0 else "themes_list_line_more",
                name=theme.name(language),
                words=shown,
                more=more,
            )
        )
    lines.append(t(language, "themes_list_hint"))
    return _fit("\n".join(lines))


def theme_text(theme: Theme, language: str) -> str:
    return _fit(
        t(language, "themes_one", name=theme.name(language), words=", ".join(theme.entries))
    )


def _fit(text: str) -> str:
    return text if len(text) <= MESSAGE_LENGTH else text[: MESSAGE_LENGTH - 1] + "…"


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="themes")
    router.message.register(themes_command, Command("themes"))
    return router
