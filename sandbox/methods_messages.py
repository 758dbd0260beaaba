"""Sending, editing and deleting messages, and answering callback queries."""

from __future__ import annotations

import mimetypes
import time
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

from sandbox import transcript
from sandbox.chats import PrivateChat
from sandbox.errors import bad_request
from sandbox.files import StoredFile, document_object, photo_sizes
from sandbox.messages import StoredMessage
from sandbox.observed import CallbackAnswer, UploadedFile
from sandbox.params import optional_str, require
from sandbox.state import EmulatorState
from sandbox.validation import (
    MAX_CAPTION,
    MAX_TEXT,
    check_inline_markup,
    check_reply_markup,
    format_text,
)

RATE_LIMITED = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


# --- sending -------------------------------------------------------------------------------


def send_message(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    chat = state.writable_chat(params)
    text, entities = _text(params, "text", "entities")
    markup = check_reply_markup(params.get("reply_markup"))
    message = state.new_message(
        chat,
        from_bot=True,
        kind="text",
        text=text,
        entities=entities,
        parse_mode=optional_str(params, "parse_mode"),
        reply_markup=markup,
        reply_to=_reply_target(chat, params),
    )
    return message.to_api()


def send_photo(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    chat = state.writable_chat(params)
    stored = _input_file(state, params, "photo")
    return _send_media(
        state,
        chat,
        params,
        kind="photo",
        media={"photo": photo_sizes(stored)},
        photo=stored.content,
    )


def send_document(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    chat = state.writable_chat(params)
    stored = _input_file(state, params, "document")
    return _send_media(
        state,
        chat,
        params,
        kind="document",
        media={"document": document_object(stored)},
        document=stored.content,
        document_name=stored.file_name,
    )


def _send_media(
    state: EmulatorState, chat: PrivateChat, params: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    caption, caption_entities = _caption(params)
    message = state.new_message(
        chat,
        from_bot=True,
        caption=caption,
        caption_entities=caption_entities,
        parse_mode=optional_str(params, "parse_mode"),
        reply_markup=check_reply_markup(params.get("reply_markup")),
        reply_to=_reply_target(chat, params),
        **fields,
    )
    return message.to_api()


def _text(
    params: dict[str, Any], name: str, entities_name: str
) -> tuple[str, list[dict[str, Any]]]:
    raw = require(params, name, "message text is empty")
    text, entities = format_text(str(raw), params.get("parse_mode"), params.get(entities_name))
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def _caption(params: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    raw = optional_str(params, "caption")
    if raw is None:
        return None, []
    caption, entities = format_text(raw, params.get("parse_mode"), params.get("caption_entities"))
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return caption or None, entities


def _input_file(state: EmulatorState, params: dict[str, Any], field: str) -> StoredFile:
    """An upload, a file_id the emulator issued, or an HTTP URL (content unknown: b"")."""
    value = params.get(field)
    if isinstance(value, UploadedFile):
        return state.files.add(
            value.content, field, value.filename, _mime_type(value.content_type, value.filename)
        )
    if isinstance(value, str) and value:
        known = state.files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")):
            name = PurePosixPath(urlparse(value).path).name or None
            return state.files.add(b"", field, name, _mime_type(None, name))
        raise bad_request("wrong file identifier/HTTP URL specified")
    raise bad_request(f"there is no {field} in the request")


def _mime_type(declared: str | None, filename: str | None) -> str | None:
    if declared and declared != "application/octet-stream":
        return declared
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    return guessed or declared


def _reply_target(chat: PrivateChat, params: dict[str, Any]) -> StoredMessage | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        target_id = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    else:
        target_id = params.get("reply_to_message_id")
        allow_missing = bool(params.get("allow_sending_without_reply"))
    if target_id is None:
        return None
    target = chat.messages.get(target_id) if isinstance(target_id, int) else None
    if target is None or target.deleted:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return target


# --- editing -------------------------------------------------------------------------------


def edit_message_text(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    chat, message = _edit_target(state, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(params, "text", "entities")
    markup = check_inline_markup(params.get("reply_markup"))
    if (text, entities, markup) == (message.text, message.entities, message.inline_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities = text, entities
    message.parse_mode = optional_str(params, "parse_mode")
    _replace_inline_markup(message, markup)
    return _mark_edited(state, chat, message)


def edit_message_caption(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    chat, message = _edit_target(state, params)
    if message.text is not None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = _caption(params)
    markup = check_inline_markup(params.get("reply_markup"))
    current = (message.caption, message.caption_entities, message.inline_markup)
    if (caption, entities, markup) == current:
        raise bad_request(NOT_MODIFIED)
    message.caption, message.caption_entities = caption, entities
    message.parse_mode = optional_str(params, "parse_mode")
    _replace_inline_markup(message, markup)
    return _mark_edited(state, chat, message)


def edit_message_reply_markup(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    chat, message = _edit_target(state, params)
    markup = check_inline_markup(params.get("reply_markup"))
    if markup == message.inline_markup:
        raise bad_request(NOT_MODIFIED)
    _replace_inline_markup(message, markup)
    return _mark_edited(state, chat, message)


def _edit_target(state: EmulatorState, params: dict[str, Any]) -> tuple[PrivateChat, StoredMessage]:
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = state.writable_chat(params)
    message_id = require(params, "message_id", "message identifier is not specified")
    message = chat.messages.get(message_id) if isinstance(message_id, int) else None
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _replace_inline_markup(message: StoredMessage, markup: dict[str, Any] | None) -> None:
    """Edits replace the inline keyboard; a reply keyboard sent with the message stays."""
    if markup is not None or message.inline_markup is not None:
        message.reply_markup = markup


def _mark_edited(state: EmulatorState, chat: PrivateChat, message: StoredMessage) -> dict[str, Any]:
    message.edit_count += 1
    message.edit_date = int(time.time())
    state.transcript.append(transcript.bot_edited(chat.first_name, message))
    state.changed()
    return message.to_api()


# --- other ---------------------------------------------------------------------------------


def delete_message(state: EmulatorState, params: dict[str, Any]) -> bool:
    chat = state.known_chat(params)
    message_id = require(params, "message_id", "message identifier is not specified")
    message = chat.messages.get(message_id) if isinstance(message_id, int) else None
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    state.transcript.append(transcript.bot_deleted(chat.first_name, message))
    state.changed()
    return True


def answer_callback_query(state: EmulatorState, params: dict[str, Any]) -> bool:
    record = state.callbacks.get(str(params.get("callback_query_id", "")))
    if record is None or record.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = optional_str(params, "text")
    record.answer = CallbackAnswer(text=text, show_alert=params.get("show_alert") is True)
    if text:
        name = state.display_name(record.chat_id)
        state.transcript.append(transcript.callback_answered(name, text, record.answer.show_alert))
    state.changed()
    return True


def send_chat_action(state: EmulatorState, params: dict[str, Any]) -> bool:
    state.writable_chat(params)
    if params.get("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


METHODS = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
}
