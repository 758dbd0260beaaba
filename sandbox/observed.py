"""What the emulator observed, handed to tests: message snapshots, callback answers, requests,
webhook attempts, uploaded files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BotMessage:
    """Snapshot of a message in a private chat, taken when the driver returned it."""

    message_id: int
    chat_id: int
    text: str | None
    caption: str | None
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    photo: bytes | None
    document: bytes | None
    document_name: str | None
    edit_count: int
    deleted: bool
    sent_at: float

    @property
    def _inline_rows(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        return list(self.reply_markup.get("inline_keyboard") or [])

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard labels, row by row."""
        return [[button["text"] for button in row] for row in self._inline_rows]

    @property
    def button_labels(self) -> list[str]:
        return [label for row in self.buttons for label in row]

    def web_app_url(self, label: str) -> str:
        """The Mini App address of the inline button `label`; KeyError if there is none."""
        for row in self._inline_rows:
            for button in row:
                if button["text"] == label and "web_app" in button:
                    return str(button["web_app"]["url"])
        raise KeyError(f"no Mini App button {label!r} in {self.buttons}")

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]]:
        """ReplyKeyboardMarkup buttons as sent (plain-string buttons become {"text": ...})."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return []
        return [
            [button if isinstance(button, dict) else {"text": button} for button in row]
            for row in self.reply_markup["keyboard"]
        ]

    @property
    def removes_reply_keyboard(self) -> bool:
        return bool(self.reply_markup and self.reply_markup.get("remove_keyboard"))


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery."""

    text: str | None
    show_alert: bool


@dataclass(frozen=True)
class RecordedRequest:
    """One Bot API call as the emulator saw it; `time` is time.monotonic() on arrival.

    `in_webhook_reply`: the call came in a bot's answer to a webhook request, not on its own.
    """

    method: str
    params: dict[str, Any]
    time: float
    status: int
    in_webhook_reply: bool = False


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    """One POST of an update to the bot's webhook, timed with time.monotonic().

    `status` is the HTTP status of the answer, 0 when none came (a drop, or the emulator
    stopped waiting, as Telegram does after about a minute).
    """

    update_id: int
    started: float
    ended: float
    status: int


@dataclass(frozen=True)
class UploadedFile:
    """A file that arrived in a multipart request."""

    filename: str | None
    content: bytes
    content_type: str | None
