"""/hooks: owners send the bot's events to their CRM, signed per Standard Webhooks.

`/hooks` lists the endpoints with what was delivered, the failures and the last error;
`/hooks add <url> [events]` adds one and shows its secret this once; `/hooks remove <n>`
and `/hooks test <n>`. The endpoint set in .env (EVENTS_URL) is listed too; .env alone
changes it. docs/events.md is the receiver's side.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.roles import Roles
from bot.texts import local_time, t
from core.clock import Clock
from core.event_endpoints import check_endpoint_url
from hooks.signing import new_secret
from hooks.worker import WebhookWorker
from storage import outbox
from storage.database import Database
from storage.live_settings import LiveSettings
from storage.outbox import EVENT_TYPES, Endpoint

log = logging.getLogger(__name__)

ERROR_SHOWN = 200


async def hooks_command(
    message: Message,
    command: CommandObject,
    db: Database,
    roles: Roles,
    clock: Clock,
    live_settings: LiveSettings,
    webhooks: WebhookWorker,
    language: str,
) -> None:
    assert message.from_user is not None
    if not roles.is_owner(message.from_user.id):
        await message.answer(t(language, "hooks_owners_only"))
        return
    verb, _, rest = (command.args or "").strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if not verb:
        found = await outbox.listing(db.reader)
        await message.answer(listing_text(found, live_settings, language))
    elif verb == "add" and rest:
        await message.answer(await _add(db, clock, rest, language))
        log.info("webhook endpoint added by owner %s", message.from_user.id)
    elif verb in ("remove", "test") and rest.isdigit():
        endpoint = await outbox.get(db.reader, int(rest))
        if endpoint is None:
            await message.answer(t(language, "hooks_not_found", n=rest))
        elif verb == "remove":
            await message.answer(await _remove(db, endpoint, language))
        else:
            await message.answer(t(language, "hooks_testing", n=endpoint.id))
            response = await webhooks.send_test(endpoint)
            if response.delivered:
                ms = round(response.seconds * 1000)
                await message.answer(t(language, "hooks_test_ok", status=response.status, ms=ms))
            else:
                error = (response.error or "")[:ERROR_SHOWN]
                await message.answer(t(language, "hooks_test_failed", error=error))
    else:
        await message.answer(t(language, "hooks_usage", events=", ".join(EVENT_TYPES)))


async def _add(db: Database, clock: Clock, args: str, language: str) -> str:
    url, *wanted = args.replace(",", " ").split()
    try:
        url = check_endpoint_url(url)
    except ValueError:
        return t(language, "hooks_bad_url", url=url)
    unknown = [name for name in wanted if name not in EVENT_TYPES]
    if unknown:
        return t(
            language, "hooks_bad_events", unknown=", ".join(unknown), events=", ".join(EVENT_TYPES)
        )
    secret = new_secret()
    async with db.transaction() as conn:
        endpoint = await outbox.add(conn, url, secret, sorted(set(wanted)), clock())
    return t(
        language,
        "hooks_added",
        n=endpoint.id,
        url=endpoint.url,
        events=_events(endpoint, language),
        secret=secret,
    )


async def _remove(db: Database, endpoint: Endpoint, language: str) -> str:
    if endpoint.from_env:
        return t(language, "hooks_env_remove", n=endpoint.id)
    async with db.transaction() as conn:
        await outbox.remove(conn, endpoint.id)
    return t(language, "hooks_removed", n=endpoint.id, url=endpoint.url)


def _events(endpoint: Endpoint, language: str) -> str:
    return ", ".join(endpoint.events) if endpoint.events else t(language, "hooks_all_events")


def listing_text(found: list[Endpoint], live_settings: LiveSettings, language: str) -> str:
    if not found:
        return t(language, "hooks_none", events=", ".join(EVENT_TYPES))
    tz = live_settings.current.tz
    blocks = [t(language, "hooks_title")]
    for endpoint in found:
        lines = [
            t(language, "hooks_endpoint", n=endpoint.id, url=endpoint.url),
            t(language, "hooks_endpoint_events", events=_events(endpoint, language)),
            t(
                language,
                "hooks_endpoint_counts",
                delivered=endpoint.delivered,
                pending=endpoint.pending,
                failures=endpoint.failures,
            ),
        ]
        if endpoint.last_error and endpoint.last_error_at:
            lines.append(
                t(
                    language,
                    "hooks_endpoint_error",
                    when=local_time(endpoint.last_error_at, tz, language),
                    error=endpoint.last_error[:ERROR_SHOWN],
                )
            )
        if endpoint.disabled_at is not None:
            lines.append(
                t(
                    language,
                    "hooks_endpoint_disabled",
                    when=local_time(endpoint.disabled_at, tz, language),
                    reason=(endpoint.disabled_reason or "")[:ERROR_SHOWN],
                )
            )
        if endpoint.from_env:
            lines.append(t(language, "hooks_endpoint_env"))
        blocks.append("\n".join(lines))
    blocks.append(t(language, "hooks_list_hint"))
    return "\n\n".join(blocks)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="hooks")
    router.message.register(hooks_command, Command("hooks"))
    return router
