"""A survey a chat message made due goes out once that message's handler is done.

Handlers that store a purchase (/purchase, a QR code, a CSV file, a shared phone) call the
`dispatch_soon` they are given as soon as it is committed. This middleware only notes the
call and asks the scheduler's jobs when the handler returns or raises, so:

* the survey follows everything the handler sends (the thanks for a QR code, the
  confirmation of a staff member buying for themselves), and /start's "let's continue"
  check runs before the survey exists, so a customer is never asked the first question twice;
* a handler whose reply failed (a 5xx, a timeout) still has the survey sent at once: its
  redelivery would find the purchase stored and make nothing due.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from storage.intake import DispatchSoon

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DispatchAfterHandler(BaseMiddleware):
    def __init__(self, dispatch_soon: DispatchSoon) -> None:
        self._dispatch_soon = dispatch_soon

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        asked = False

        def ask() -> None:
            nonlocal asked
            asked = True

        data["dispatch_soon"] = ask
        try:
            return await handler(event, data)
        finally:
            if asked:
                self._dispatch_soon()
