"""Turn request parameters (query, JSON, urlencoded or multipart) into one typed dict.

aiogram sends every non-string value as a string and nested objects as JSON strings,
so known fields are decoded by name, the way Telegram's server does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sandbox.errors import bad_request

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
        "message_ids",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "max_connections",
    }
)
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
        "allow_paid_broadcast",
    }
)


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _decode_value(key, value) for key, value in raw.items()}


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    if key in BOOL_FIELDS and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return value


def require(params: Mapping[str, Any], name: str, message: str | None = None) -> Any:
    """The parameter's value; a missing or empty one is Telegram's '<name> is empty'."""
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(message or f"{name} is empty")
    return value


def optional_str(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    return None if value is None or value == "" else str(value)
