"""Everything the emulator knows, shared by the HTTP method handlers and the test driver."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox import transcript
from sandbox.chats import PrivateChat
from sandbox.errors import ApiError, bad_request, forbidden
from sandbox.faults import FaultPlan
from sandbox.files import FileStore
from sandbox.messages import StoredMessage
from sandbox.notifier import ChangeNotifier
from sandbox.observed import CallbackAnswer, RecordedRequest
from sandbox.params import require
from sandbox.rate_limit import SlidingWindowLimiter
from sandbox.updates import UpdateQueue
from sandbox.webhook import WebhookDelivery

FIRST_USER_ID = 100001


@dataclass(frozen=True)
class BotIdentity:
    token: str
    id: int
    first_name: str
    username: str

    def api_user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass
class CallbackRecord:
    query_id: str
    chat_id: int
    update_id: int
    answer: CallbackAnswer | None = None


class EmulatorState:
    """Plain data plus the mutations shared by both sides; every change calls changed()."""

    def __init__(self, bot: BotIdentity, rate_limit: float | None) -> None:
        self.bot = bot
        self.chats: dict[int, PrivateChat] = {}
        self.updates = UpdateQueue()
        self.files = FileStore()
        self.notifier = ChangeNotifier()
        self.limiter = SlidingWindowLimiter(rate_limit)
        self.transcript: list[str] = []
        self.requests: list[RecordedRequest] = []
        self.callbacks: dict[str, CallbackRecord] = {}
        self.callback_by_update: dict[int, str] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.profile_texts: dict[tuple[str, str], str] = {}  # (field, language) -> value
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}  # chat id (None: default)
        self.webhook = WebhookDelivery(self.updates, self.notifier)
        self.faults = FaultPlan()
        self.served_429 = 0
        self.poll_generation = 0
        self.waiting_polls = 0  # getUpdates calls currently long-polling
        self.closing = False
        self._next_user_id = FIRST_USER_ID
        self._next_query_id = 1

    def changed(self) -> None:
        self.notifier.changed()

    # --- chats -------------------------------------------------------------------------------

    def add_chat(
        self,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> PrivateChat:
        chat = PrivateChat(self._next_user_id, first_name, last_name, username, language_code)
        self._next_user_id += 1
        self.chats[chat.user_id] = chat
        return chat

    def known_chat(self, params: dict[str, Any]) -> PrivateChat:
        chat_id = require(params, "chat_id")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, params: dict[str, Any]) -> PrivateChat:
        """The target chat of a send/edit, refused the way Telegram refuses it."""
        chat = self.known_chat(params)
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        return chat

    # --- messages ----------------------------------------------------------------------------

    def new_message(
        self, chat: PrivateChat, *, from_bot: bool, kind: str, **fields: Any
    ) -> StoredMessage:
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            chat=chat.api_chat(),
            sender=self.bot.api_user() if from_bot else chat.api_user(),
            from_bot=from_bot,
            kind=kind,
            date=int(time.time()),
            sent_at=time.monotonic(),
            **fields,
        )
        chat.messages[message.message_id] = message
        if from_bot:
            chat.bot_outbox.append(message.message_id)
            self.transcript.append(transcript.bot_sent(chat.first_name, message))
        self.changed()
        return message

    def user_message(self, chat: PrivateChat, kind: str, **fields: Any) -> int:
        """The user sends something: store it, log it and queue a `message` update."""
        chat.started = True
        message = self.new_message(chat, from_bot=False, kind=kind, **fields)
        self.transcript.append(transcript.user_sent(chat.first_name, message))
        return self.enqueue({"message": message.to_api()})

    def callback_query(self, chat: PrivateChat, message: StoredMessage, data: str) -> int:
        """The user presses an inline button: queue a `callback_query` update."""
        chat.started = True
        query_id = str(4_000_000_000 + self._next_query_id)
        self._next_query_id += 1
        update_id = self.enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": chat.api_user(),
                    "message": message.to_api(),
                    "chat_instance": f"ci-{chat.user_id}",
                    "data": data,
                }
            }
        )
        self._register_callback(query_id, chat.user_id, update_id)
        return update_id

    def enqueue_raw(self, payload: dict[str, Any]) -> int:
        """Queue a hand-made update; its callback query (if any) becomes answerable."""
        update_id = self.enqueue(payload)
        query = payload.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            sender = query.get("from")
            chat_id = sender.get("id", 0) if isinstance(sender, dict) else 0
            self._register_callback(str(query["id"]), chat_id, update_id)
        return update_id

    def _register_callback(self, query_id: str, chat_id: int, update_id: int) -> None:
        self.callbacks[query_id] = CallbackRecord(query_id, chat_id, update_id)
        self.callback_by_update[update_id] = query_id

    def display_name(self, chat_id: int) -> str:
        chat = self.chats.get(chat_id)
        return chat.first_name if chat else str(chat_id)

    def enqueue(self, payload: dict[str, Any]) -> int:
        update_id = self.updates.push(payload)
        self.changed()
        return update_id

    # --- flood control -----------------------------------------------------------------------

    def check_rate_limit(self) -> None:
        retry_after = self.limiter.acquire(time.monotonic())
        if retry_after is not None:
            self.served_429 += 1
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )


Handler = Callable[[EmulatorState, dict[str, Any]], Any]
"""A Bot API method: returns the `result` (or an awaitable of it) or raises ApiError."""
