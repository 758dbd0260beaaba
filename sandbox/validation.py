"""Checks Telegram applies to message text and keyboards before accepting a message."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request
from sandbox.html_entities import HtmlParseError, parse_html, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
_PARSE_MODES = ("html", "markdown", "markdownv2")
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL_SCHEMES = ("http://", "https://", "tg://")


def format_text(
    text: str, parse_mode: str | None, entities: Any
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities as Telegram stores them (HTML parsed, outer whitespace trimmed).

    Markdown modes are not parsed: the text is kept as sent.
    """
    mode = (parse_mode or "").lower()
    if mode and mode not in _PARSE_MODES:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    if mode == "html":
        try:
            plain, found = parse_html(text)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    else:
        plain = text
        found = [e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else []
    return _strip(plain, found)


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    stripped = text.strip()
    if not stripped:
        return "", []
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(int(entity.get("offset", 0)) - shift, 0)
        stop = min(int(entity.get("offset", 0)) + int(entity.get("length", 0)) - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate any reply_markup; an inline keyboard without buttons counts as none."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return _check_inline(markup)
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def check_inline_markup(markup: Any) -> dict[str, Any] | None:
    """Edits accept only inline keyboards."""
    checked = check_reply_markup(markup)
    if checked is not None and "inline_keyboard" not in checked:
        raise bad_request("inline keyboard expected")
    return checked


def _check_inline(markup: dict[str, Any]) -> dict[str, Any] | None:
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            _check_inline_button(button)
    return markup if any(rows) else None


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    if not any(key in button for key in _INLINE_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(_URL_SCHEMES) or url in _URL_SCHEMES:
            raise bad_request("BUTTON_URL_INVALID")
