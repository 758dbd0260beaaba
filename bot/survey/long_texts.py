"""The tail of a text that was too long to be an answer.

Telegram clients send a text over 4,096 characters as several messages, one right after
another. Once the first part is refused as too long, the parts behind it are not answers of
their own: taking one would store a fragment and skip the question the customer was just
asked to shorten their answer to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

SAME_PASTE = timedelta(seconds=2)
"""Parts of one split text are dated within this of each other."""
_MAX_CHATS = 10_000


class _Refused(NamedTuple):
    message_id: int
    sent: datetime


class LongTexts:
    """The chats whose last text was refused as too long: which message, sent when."""

    def __init__(self) -> None:
        self._refused: dict[int, _Refused] = {}

    def refused(self, chat_id: int, message_id: int, sent: datetime) -> None:
        if len(self._refused) >= _MAX_CHATS:
            self._forget_before(sent - SAME_PASTE)
        self._refused[chat_id] = _Refused(message_id, sent)

    def is_tail(self, chat_id: int, message_id: int, sent: datetime) -> bool:
        """Whether this text came straight after the refused one, with no message between
        (not even the refusal), in the same moment; a third part counts too."""
        last = self._refused.pop(chat_id, None)
        if last is None or message_id != last.message_id + 1 or sent - last.sent > SAME_PASTE:
            return False
        self._refused[chat_id] = _Refused(message_id, sent)
        return True

    def _forget_before(self, moment: datetime) -> None:
        self._refused = {chat: last for chat, last in self._refused.items() if last.sent >= moment}
