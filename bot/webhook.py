"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL, served beside the intake API.

A request must carry the secret token in `X-Telegram-Bot-Api-Secret-Token` (WEBHOOK_SECRET,
or one generated once and kept in the database); without it the answer is 401 and nothing
is read. An update is processed *before* the answer: only a handled update gets its 200,
so one lost to a crash mid-way is not answered and Telegram sends it again, and the
update-id records make a repeat harmless. Handlers are quick (milliseconds), far inside
the minute Telegram waits.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.config import Settings
from intake.api import ApiHTTPError, json_response
from intake.api_errors import UNAUTHORIZED, ApiError
from storage import meta
from storage.database import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_KEY = "webhook_secret"
MAX_UPDATE_BYTES = 1024 * 1024


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


async def webhook_secret(settings: Settings, db: Database) -> str:
    """WEBHOOK_SECRET, or a random one made on the first start and kept (A-Za-z0-9_-)."""
    configured = settings.webhook_secret.get_secret_value()
    return configured or await meta.get_or_set(db, SECRET_KEY, secrets.token_urlsafe(32))


def add_webhook_route(
    http: web.Application, path: str, secret: str, dispatcher: Dispatcher, bot: Bot
) -> None:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook request refused: wrong or missing secret token")
            raise ApiHTTPError(ApiError(401, UNAUTHORIZED, "Wrong or missing secret token"))
        body = await request.content.read(MAX_UPDATE_BYTES + 1)
        try:
            if len(body) > MAX_UPDATE_BYTES:
                raise ValueError("too large")
            update = Update.model_validate_json(body, context={"bot": bot})
        except (ValueError, ValidationError):
            raise ApiHTTPError(
                ApiError(400, "invalid_update", "The body is not a Telegram update")
            ) from None
        await dispatcher.feed_update(bot, update)  # handled before Telegram hears back
        return json_response(200, "{}")

    http.router.add_post(path, receive)
