"""Messages as the emulator stores them, and their Bot API / snapshot forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.observed import BotMessage


@dataclass
class StoredMessage:
    """Mutable record of one message in a private chat (sent by the bot or by the user).

    `media` holds the extra Bot API fields of non-text messages (photo, document, contact...).
    """

    message_id: int
    chat: dict[str, Any]
    sender: dict[str, Any]
    from_bot: bool
    kind: str
    date: int
    sent_at: float
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    media: dict[str, Any] = field(default_factory=dict)
    photo: bytes | None = None
    document: bytes | None = None
    document_name: str | None = None
    reply_to: StoredMessage | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def inline_markup(self) -> dict[str, Any] | None:
        """Telegram echoes reply_markup in Message objects only for inline keyboards."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.reply_to is not None and with_reply:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        data.update(self.media)
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.inline_markup is not None:
            data["reply_markup"] = self.inline_markup
        return data

    def snapshot(self) -> BotMessage:
        return BotMessage(
            message_id=self.message_id,
            chat_id=self.chat_id,
            text=self.text,
            caption=self.caption,
            parse_mode=self.parse_mode,
            entities=list(self.entities),
            reply_markup=self.reply_markup,
            photo=self.photo,
            document=self.document,
            document_name=self.document_name,
            edit_count=self.edit_count,
            deleted=self.deleted,
            sent_at=self.sent_at,
        )
