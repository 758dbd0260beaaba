"""EmulatedUser: a customer in a private chat with the bot, driven by tests."""

# The public API takes per-call `timeout` arguments by design.
# ruff: noqa: ASYNC109

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from typing import Any

from sandbox.chats import PrivateChat
from sandbox.errors import EmulatorError
from sandbox.files import document_object, photo_sizes
from sandbox.html_entities import utf16_len
from sandbox.messages import StoredMessage
from sandbox.observed import BotMessage, CallbackAnswer
from sandbox.state import EmulatorState
from sandbox.validation import MAX_TEXT
from sandbox.web_app import launch_url, sign_init_data

_COMMAND = re.compile(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")
# Placeholder media: bots only pass these bytes around, nobody decodes them.
_FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00emulated-photo\xff\xd9"
_FAKE_WEBP = b"RIFF\x1c\x00\x00\x00WEBPVP8 emulated-sticker"
_FAKE_OGG = b"OggS\x00\x02emulated-voice"
_TRANSCRIPT_TAIL = 12


def split_like_clients(text: str) -> list[str]:
    """Parts of at most MAX_TEXT UTF-16 units each, never splitting a character."""
    parts, start, units = [], 0, 0
    for index, char in enumerate(text):
        width = utf16_len(char)
        if units + width > MAX_TEXT:
            parts.append(text[start:index])
            start, units = index, 0
        units += width
    parts.append(text[start:])
    return parts


class EmulatedUser:
    def __init__(self, state: EmulatorState, chat: PrivateChat) -> None:
        self._state = state
        self._chat = chat
        self._cursor = 0  # how many of the bot's messages next_message() has returned

    def __repr__(self) -> str:
        return f"EmulatedUser(id={self.id}, first_name={self.first_name!r})"

    @property
    def id(self) -> int:
        return self._chat.user_id

    @property
    def chat_id(self) -> int:
        return self._chat.user_id

    @property
    def first_name(self) -> str:
        return self._chat.first_name

    @property
    def last_name(self) -> str | None:
        return self._chat.last_name

    @property
    def username(self) -> str | None:
        return self._chat.username

    @property
    def language_code(self) -> str | None:
        return self._chat.language_code

    def chat_messages(self) -> list[StoredMessage]:
        """Every message of the chat, both ways, oldest first, as it shows now (read it, do
        not change it): what the sandbox's web page draws."""
        return [message for message in self._chat.messages.values() if not message.deleted]

    # --- Mini Apps ----------------------------------------------------------------------

    def menu_button(self) -> dict[str, Any]:
        """The menu button the bot set for this chat (setChatMenuButton)."""
        buttons = self._state.menu_buttons
        return buttons.get(self.id) or buttons.get(None) or {"type": "commands"}

    def open_web_app(
        self, url: str, *, auth_date: int | None = None, theme: dict[str, str] | None = None
    ) -> str:
        """The address Telegram opens when this user taps a Mini App button of `url`: its
        launch parameters, `initData` signed with the bot's token, in the hash."""
        init_data = sign_init_data(
            self._state.bot.token, self._chat.api_user(), auth_date=auth_date
        )
        return launch_url(url, init_data, theme=theme)

    # --- user -> bot ---------------------------------------------------------------------

    def send_text(self, text: str) -> int:
        """A text message; a leading /command gets a bot_command entity.

        A text over Telegram's 4,096 characters goes as several messages, as the apps send
        it; the last one's update id is returned.
        """
        update_id = 0
        for part in split_like_clients(text):
            fields: dict[str, Any] = {"text": part}
            command = _COMMAND.match(part)
            if command:
                length = command.end()
                fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            update_id = self._state.user_message(self._chat, "text", **fields)
        return update_id

    def send_contact(
        self,
        phone_number: str,
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> int:
        """Share a contact; first_name defaults to the user's own."""
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        if user_id is not None:
            contact["user_id"] = user_id
        return self._state.user_message(self._chat, "contact", media={"contact": contact})

    def send_sticker(self, emoji: str = "👍") -> int:
        stored = self._state.files.add(_FAKE_WEBP, "sticker", mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.size,
        }
        return self._state.user_message(self._chat, "sticker", media={"sticker": sticker})

    def send_photo(self, content: bytes = _FAKE_JPEG, caption: str | None = None) -> int:
        stored = self._state.files.add(content, "photo", mime_type="image/jpeg")
        return self._state.user_message(
            self._chat,
            "photo",
            media={"photo": photo_sizes(stored)},
            photo=content,
            caption=caption,
        )

    def send_voice(self, duration: int = 1) -> int:
        stored = self._state.files.add(_FAKE_OGG, "voice", mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
        return self._state.user_message(self._chat, "voice", media={"voice": voice})

    def send_document(
        self,
        filename: str,
        content: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """A file the bot can fetch with getFile and GET /file/bot<token>/<file_path>."""
        mime_type = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._state.files.add(content, "document", filename, mime_type)
        return self._state.user_message(
            self._chat,
            "document",
            media={"document": document_object(stored)},
            document=content,
            document_name=filename,
            caption=caption,
        )

    def press(self, message: BotMessage, label: str) -> int:
        """Press the inline button labelled `label` as the message shows it now."""
        if message.chat_id != self.chat_id:
            raise EmulatorError(f"message {message.message_id} is from another chat")
        current = self._stored(message.message_id)
        if current.deleted:
            raise EmulatorError(f"message {message.message_id} was deleted")
        rows = (current.inline_markup or {}).get("inline_keyboard", [])
        button = next((b for row in rows for b in row if b["text"] == label), None)
        if button is None:
            labels = [b["text"] for row in rows for b in row]
            raise EmulatorError(
                f"no button {label!r} on message {message.message_id}; it has {labels}"
            )
        if "callback_data" not in button:
            raise EmulatorError(f"button {label!r} has no callback_data: {button}")
        self._state.transcript.append(f"{self.first_name} pressed [{label}]")
        return self._state.callback_query(self._chat, current, button["callback_data"])

    def press_data(self, message_id: int, data: str) -> int:
        """A callback_query with arbitrary data, e.g. from a stale or forged button."""
        current = self._stored(message_id)
        self._state.transcript.append(f"{self.first_name} pressed data {data!r}")
        return self._state.callback_query(self._chat, current, data)

    def mark_started(self) -> None:
        """Let the bot write to this user as if they had pressed Start long ago (no update)."""
        self._chat.started = True

    def block_bot(self) -> None:
        """Until unblock_bot(), sends to this chat fail with 403; the user can still write."""
        self._set_blocked(True)

    def unblock_bot(self) -> None:
        self._set_blocked(False)

    def _set_blocked(self, blocked: bool) -> None:
        self._chat.blocked = blocked
        action = "blocked" if blocked else "unblocked"
        self._state.transcript.append(f"{self.first_name} {action} the bot")
        self._state.changed()

    # --- bot -> user ---------------------------------------------------------------------

    async def next_message(self, timeout: float = 5.0) -> BotMessage:
        """The oldest bot message in this chat not yet returned by this driver."""
        return (await self.next_messages(1, timeout))[0]

    async def next_messages(self, n: int, timeout: float = 5.0) -> list[BotMessage]:
        """The next n unread bot messages in send order, as they look now (edits included)."""
        outbox = self._chat.bot_outbox
        await self._wait(
            lambda: len(outbox) - self._cursor >= n,
            timeout,
            lambda: f"{n} new message(s); got {len(outbox) - self._cursor}",
        )
        return self._take(n)

    def pending_messages(self) -> list[BotMessage]:
        """Unread bot messages, without marking them read."""
        unread = self._chat.bot_outbox[self._cursor :]
        return [self._chat.messages[message_id].snapshot() for message_id in unread]

    def drain(self) -> list[BotMessage]:
        """Return all unread bot messages and mark them read."""
        return self._take(len(self._chat.bot_outbox) - self._cursor)

    def _take(self, n: int) -> list[BotMessage]:
        taken = self._chat.bot_outbox[self._cursor : self._cursor + n]
        self._cursor += len(taken)
        return [self._chat.messages[message_id].snapshot() for message_id in taken]

    async def callback_answer(self, update_id: int, timeout: float = 5.0) -> CallbackAnswer:
        """What the bot answered to the callback query of that update."""
        query_id = self._state.callback_by_update.get(update_id)
        record = self._state.callbacks.get(query_id) if query_id else None
        if record is None or record.chat_id != self.id:
            raise EmulatorError(f"update {update_id} is not a callback query from {self!r}")
        await self._wait(
            lambda: record.answer is not None,
            timeout,
            lambda: f"an answerCallbackQuery for update {update_id}",
        )
        assert record.answer is not None
        return record.answer

    async def wait_edited(self, message: BotMessage, timeout: float = 5.0) -> BotMessage:
        """Wait for an edit newer than the snapshot `message`; return the new snapshot."""
        current = self._stored(message.message_id)
        await self._wait(
            lambda: current.edit_count > message.edit_count,
            timeout,
            lambda: f"an edit of message {message.message_id}",
        )
        return current.snapshot()

    def message(self, message_id: int) -> BotMessage:
        """Current state of a message in this chat."""
        return self._stored(message_id).snapshot()

    def _stored(self, message_id: int) -> StoredMessage:
        stored = self._chat.messages.get(message_id)
        if stored is None:
            raise EmulatorError(f"no message {message_id} in the chat with {self!r}")
        return stored

    async def _wait(
        self, predicate: Callable[[], bool], timeout: float, what: Callable[[], str]
    ) -> None:
        """Wait, and on timeout say what was awaited and how the chat went."""
        try:
            await self._state.notifier.wait_for(predicate, timeout)
        except TimeoutError:
            tail = "\n  ".join(self._state.transcript[-_TRANSCRIPT_TAIL:])
            raise TimeoutError(
                f"{self!r} waited {timeout}s for {what()}. Transcript tail:\n  {tail}"
            ) from None
