"""Emulated users; each one is also the private chat the bot talks to them in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.messages import StoredMessage


@dataclass
class PrivateChat:
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    started: bool = False  # the user has written to the bot at least once
    blocked: bool = False
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_outbox: list[int] = field(default_factory=list)  # bot message ids in send order
    next_message_id: int = 1

    def api_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def api_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def api_full_info(self) -> dict[str, Any]:
        """ChatFullInfo for getChat, with the fields aiogram requires."""
        return {
            **self.api_chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id
