"""/stores: the list of stores as one, the names they are shown by, and aliases.

A till, a QR code and a CSV file may write one store three ways. Case and separators are
folded on their own (core.stores); names that differ in words are joined by an owner:
`/stores alias main = Main street`.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.roles import Roles
from bot.telegram_limits import MESSAGE_LENGTH
from bot.texts import t
from core.clock import Clock
from storage import stores
from storage.database import Database
from storage.stores import Store, StoreError

log = logging.getLogger(__name__)

CHANGES = ("alias", "unalias", "rename")


async def stores_command(
    message: Message,
    command: CommandObject,
    db: Database,
    roles: Roles,
    clock: Clock,
    language: str,
) -> None:
    """`/stores`; owners also `/stores alias <name> = <store>`, `/stores unalias <name>`,
    `/stores rename <store> = <new name>`."""
    assert message.from_user is not None
    verb, _, rest = (command.args or "").strip().partition(" ")
    verb = verb.lower()
    if not verb:
        await message.answer(listing_text(await stores.listing(db.reader), language))
        return
    if verb not in CHANGES:
        await message.answer(t(language, "stores_usage"))
        return
    if not roles.is_owner(message.from_user.id):
        await message.answer(t(language, "stores_owners_only"))
        return
    left, equals, right = rest.partition("=")
    if not left.strip() or (verb == "unalias") == bool(equals) or (equals and not right.strip()):
        await message.answer(t(language, "stores_usage"))
        return
    try:
        async with db.transaction() as conn:
            if verb == "alias":
                await stores.join(conn, left, right, clock())
                reply = t(language, "stores_joined", alias=left.strip(), store=right.strip())
            elif verb == "unalias":
                await stores.part(conn, left, clock())
                reply = t(language, "stores_parted", alias=left.strip())
            else:
                await stores.rename(conn, left, right)
                reply = t(language, "stores_renamed", store=left.strip(), name=right.strip())
    except StoreError as error:
        await message.answer(t(language, error.reason, name=error.name.strip()))
        return
    log.info("stores changed (%s) by staff %s", verb, message.from_user.id)
    await message.answer(reply)


def listing_text(found: list[Store], language: str) -> str:
    """Every store, the busiest first, as long as one message holds."""
    if not found:
        return t(language, "stores_none")
    lines = [t(language, "stores_list_title", count=len(found))]
    hint = t(language, "stores_list_hint")
    room = MESSAGE_LENGTH - len(lines[0]) - len(hint) - 100  # 100: the "and N more" line
    for index, store in enumerate(found):
        line = t(
            language,
            "stores_list_line",
            name=store.name,
            purchases=t(language, "n_purchases", count=store.purchases),
        )
        if store.aliases:
            line += t(language, "stores_list_aliases", aliases=", ".join(store.aliases))
        room -= len(line) + 1
        if room < 0:
            lines.append(t(language, "stores_list_more", count=len(found) - index))
            break
        lines.append(line)
    lines.append(hint)
    return "\n".join(lines)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="stores")
    router.message.register(stores_command, Command("stores"))
    return router
