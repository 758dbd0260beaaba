"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL, served beside the intake API.

A request must carry the secret token in `X-Telegram-Bot-Api-Secret-Token` (WEBHOOK_SECRET,
or one generated once and kept in the database); without it the answer is 401 and nothing
is read. An update is processed *before* the answer: only a handled update gets its 200,
so one lost to a crash mid-way is not answered and Telegram sends it again, and the
update-id records make a repeat harmless. Handlers take milliseconds, far inside the
minute Telegram waits; one that waits out a database lock or a hung send may outlast it, and
Telegram's repeat then waits for the first handling (bot/process/once_per_update.py).

The answer may carry one Bot API call, which Telegram then makes itself (its result is
told to no one): a pressed survey button's `answerCallbackQuery` goes there
(`WebhookReply`), one request fewer per answer.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.process.aiogram_session import api_params, compact_json, drop_echoed_keyboard
from core.settings import Settings
from intake.api import ROUTINE, ApiHTTPError, json_response
from intake.api_errors import UNAUTHORIZED, ApiError
from storage import meta
from storage.database import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_KEY = "webhook_secret"
MAX_UPDATE_BYTES = 1024 * 1024


class WebhookReply:
    """The one Bot API call the answer to this update's webhook request will carry.

    Handlers get it as `webhook_reply` (None in polling). Only a call whose result nobody
    reads belongs here, since Telegram reports none.
    """

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._body: str | None = None

    def offer(self, call: TelegramMethod[Any]) -> bool:
        """Take `call` for the answer; False (make it yourself) if one is taken already or
        it uploads a file, which an answer cannot carry."""
        params = None if self._body is not None else api_params(self._bot, call)
        if params is None:
            return False
        self._body = compact_json({"method": call.__api_method__, **params})
        return True

    @property
    def body(self) -> str:
        """The answer's JSON: the call's method and parameters, or `{}` for no call."""
        return self._body or "{}"


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
        request[ROUTINE] = True
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook request refused: wrong or missing secret token")
            raise ApiHTTPError(ApiError(401, UNAUTHORIZED, "Wrong or missing secret token"))
        body = await request.content.read(MAX_UPDATE_BYTES + 1)
        try:
            if len(body) > MAX_UPDATE_BYTES:
                raise ValueError("too large")
            decoded = drop_echoed_keyboard(json.loads(body))
            update = Update.model_validate(decoded, context={"bot": bot})
        except (ValueError, RecursionError, ValidationError):  # RecursionError: deep nesting
            raise ApiHTTPError(
                ApiError(400, "invalid_update", "The body is not a Telegram update")
            ) from None
        reply = WebhookReply(bot)
        # handled before Telegram hears back
        await dispatcher.feed_update(bot, update, webhook_reply=reply)
        return json_response(200, reply.body)

    http.router.add_post(path, receive)
