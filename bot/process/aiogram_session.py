"""Adapts aiogram's aiohttp session for a bot that answers many customers at once.

It overrides two of the session's methods (`build_form_data`, `check_response`), so pyproject
pins aiogram's minor version; tests/unit/test_session.py holds the result to aiogram's own.
docs/performance.md has the figures behind each change.

* Requests go out as JSON bodies (the Bot API takes `application/json` for every method
  that uploads no file). aiogram's form encoding walks each parameter in Python,
  JSON-encodes the nested ones one by one and then URL-quotes the lot, several times the
  cost of one `json.dumps` of pydantic's dump. A method that uploads a file is sent as
  aiogram sends it (multipart).
* Closing skips aiogram's 250 ms pause when the Bot API is reached over plain HTTP (a
  local Bot API server): the pause lets SSL transports finish closing, and there are none.
* Replies are parsed without the inline keyboards Telegram echoes back: a sent or edited
  message returns with its keyboard, and a pressed button's update carries the message it
  sits under with its own. As models, a question's keyboard is a dozen nested objects, a
  large share of the cost of parsing an answer's update or the reply to the next question;
  the bot never reads them back (it knows what it sent).
* The response models are kept. aiogram parses every reply with
  ``Response[method.__returning__]``, a pydantic generic that pydantic caches only weakly:
  once the garbage collector has run, the next reply builds the model again (a schema
  generation, in the middle of answering a customer). Each one built is held here, for the
  life of the process (they are the same for every session).
"""

from __future__ import annotations

import datetime
import json
from enum import Enum
from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile, TelegramObject
from aiohttp import FormData
from aiohttp.payload import BytesPayload


class _UploadsAFile(Exception):
    """Raised while encoding a method that carries an InputFile: it needs multipart."""


class KeptResponseModelsSession(AiohttpSession):
    """aiogram's session, its reply models held against the garbage collector."""

    _response_models: ClassVar[dict[object, type[Response[Any]]]] = {}

    @classmethod
    def keep_response_model(cls, method: type[TelegramMethod[Any]]) -> None:
        """Build (once) and hold the model that parses `method`'s replies."""
        returning = method.__returning__
        if returning not in cls._response_models:
            cls._response_models[returning] = Response[returning]  # type: ignore[valid-type]

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        self.keep_response_model(type(method))
        return super().check_response(bot, method, status_code, content)


class BotSession(KeptResponseModelsSession):
    """The bot's session: JSON request bodies, echoed keyboards dropped, reply models kept."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(json_loads=loads_without_echoed_keyboards, **kwargs)

    async def close(self) -> None:
        if self.api.base.startswith("https:"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()

    def build_form_data(  # type: ignore[override]  # aiohttp posts any payload as `data`
        self, bot: Bot, method: TelegramMethod[TelegramType]
    ) -> FormData | BytesPayload:
        body = json_body(bot, method)
        if body is None:
            return super().build_form_data(bot, method)
        return BytesPayload(body, content_type="application/json")


def telegram_session(api_url: str, proxy: str | None) -> BotSession:
    """The session of every call to Telegram: to `api_url`, through `proxy` when set (only
    these calls: the HTTP server and outgoing webhooks never use it)."""
    return BotSession(api=TelegramAPIServer.from_base(api_url), proxy=proxy)


def loads_without_echoed_keyboards(content: str | bytes) -> Any:
    """A Bot API reply, decoded, less the keyboards of the messages and updates it holds."""
    reply = json.loads(content)
    if isinstance(reply, dict):
        result = reply.get("result")
        if isinstance(result, dict):  # a message: the only result with a reply_markup
            result.pop("reply_markup", None)
        elif isinstance(result, list):  # getUpdates; a media group has no keyboards
            for update in result:
                drop_echoed_keyboard(update)
    return reply


def drop_echoed_keyboard(update: Any) -> Any:
    """`update` (decoded JSON) without the keyboard of the message a button was pressed
    under; returned for chaining."""
    if isinstance(update, dict):
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("message"), dict):
            query["message"].pop("reply_markup", None)
    return update


def json_body(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """`method`'s parameters as the JSON the Bot API takes; None if it uploads a file."""
    params = api_params(bot, method)
    return None if params is None else compact_json(params).encode()


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def api_params(bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
    """`method`'s parameters as JSON values; None if it uploads a file.

    The same values as aiogram's form: bot defaults filled in, absent ones left out (and
    empty ones at the top), times as Unix timestamps.
    """
    try:
        params = _plain(bot, method.model_dump(warnings=False, exclude_none=True))
    except _UploadsAFile:
        return None
    return {key: value for key, value in params.items() if value != ""}


def _plain(bot: Bot, value: Any) -> Any:
    """`value` with defaults resolved, Nones dropped and times as timestamps."""
    if isinstance(value, dict):
        return {
            key: plain for key, item in value.items() if (plain := _plain(bot, item)) is not None
        }
    if isinstance(value, list):
        return [plain for item in value if (plain := _plain(bot, item)) is not None]
    if isinstance(value, str | int | float | None):  # bool is an int; str enums are str
        return value
    if isinstance(value, Default):
        return _plain(bot, bot.default[value.name])
    if isinstance(value, InputFile):
        raise _UploadsAFile
    if isinstance(value, TelegramObject):
        return _plain(bot, value.model_dump(warnings=False, exclude_none=True))
    if isinstance(value, datetime.timedelta):
        value = datetime.datetime.now(datetime.UTC) + value
    if isinstance(value, datetime.datetime):
        return round(value.timestamp())
    if isinstance(value, Enum):
        return _plain(bot, value.value)
    raise TypeError(f"{type(value).__name__} is not a Bot API value")
