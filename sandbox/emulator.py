"""BotAPIEmulator: a local Telegram Bot API server plus the hooks tests use to inspect it."""

# The public API takes per-call `timeout` arguments by design.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sandbox.driver import EmulatedUser
from sandbox.errors import EmulatorError
from sandbox.faults import Fault, FaultPlan
from sandbox.observed import RecordedRequest
from sandbox.server import ApiServer
from sandbox.state import BotIdentity, EmulatorState
from sandbox.webhook import WebhookDelivery

TELEGRAM_MESSAGES_PER_SECOND = 30
"""Telegram's flood limit for one bot, over every method that sends or edits a message: the
emulator answers 429 beyond it, as Telegram does (None turns it off)."""


class BotAPIEmulator:
    """Telegram Bot API on localhost for one bot; create_user() gives the customers."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "feedback_test_bot",
        bot_first_name: str = "Feedback Bot",
        global_rate_limit: float | None = TELEGRAM_MESSAGES_PER_SECOND,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError(f"token must look like '<digits>:<secret>', got {token!r}")
        identity = BotIdentity(token, int(bot_id), bot_first_name, bot_username)
        self._state = EmulatorState(identity, global_rate_limit)
        self._server = ApiServer(self._state)

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port)."""
        if self._server.running:
            raise EmulatorError("emulator already started")
        self._state.closing = False
        await self._server.start(host, port)

    async def stop(self) -> None:
        """Release pending long polls and shut the server down; safe to call twice."""
        self._state.closing = True
        self._state.changed()
        await self._state.webhook.stop()
        await self._server.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """http://host:port, for TelegramAPIServer.from_base()."""
        if self._server.base_url is None:
            raise EmulatorError("emulator not started")
        return self._server.base_url

    @property
    def bot_id(self) -> int:
        return self._state.bot.id

    @property
    def token(self) -> str:
        return self._state.bot.token

    # --- actors --------------------------------------------------------------------------

    def create_user(
        self,
        first_name: str = "Anna",
        last_name: str | None = None,
        username: str | None = "anna",
        language_code: str | None = "ru",
    ) -> EmulatedUser:
        chat = self._state.add_chat(first_name, last_name, username, language_code)
        return EmulatedUser(self._state, chat)

    def enqueue_update(self, payload: dict[str, Any]) -> int:
        """Queue a raw update (any update_id in it is replaced) and return its update_id.

        A raw callback_query can be answered once, like one made by press().
        """
        return self._state.enqueue_raw({k: v for k, v in payload.items() if k != "update_id"})

    def redeliver(self, update_id: int) -> None:
        """Deliver that exact update once more on the next getUpdates, as a duplicate."""
        self._state.updates.redeliver(update_id)
        self._state.changed()

    def inject(self, method: str, fault: Fault, times: int = 1) -> None:
        """The next `times` calls of `method` get `fault` instead of their answer."""
        self._state.faults.inject(method, fault, times)

    @property
    def faults(self) -> FaultPlan:
        return self._state.faults

    def set_rate_limit(self, per_second: float | None) -> None:
        self._state.limiter.set_rate(per_second)

    # --- waiting -------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Re-check predicate on every state change; TimeoutError after `timeout` seconds."""
        await self._state.notifier.wait_for(predicate, timeout)

    async def wait_idle(self, timeout: float = 5.0) -> None:
        """Until every queued update was fetched by getUpdates and confirmed."""
        updates = self._state.updates
        try:
            await self.wait_for(lambda: updates.idle, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"bot did not take all updates within {timeout}s: "
                f"{updates.pending_count} unconfirmed, {self.waiting_polls} polls waiting"
            ) from None

    # --- inspection ----------------------------------------------------------------------

    @property
    def updates_confirmed(self) -> int:
        """Confirmed deliveries; a redelivered duplicate counts again once confirmed."""
        return self._state.updates.confirmed

    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self._state.requests)

    def calls(self, method: str) -> list[RecordedRequest]:
        wanted = method.lower()
        return [r for r in self._state.requests if r.method.lower() == wanted]

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Last setMyCommands per (scope JSON or "default", language code or "")."""
        return {key: list(value) for key, value in self._state.commands.items()}

    def transcript(self) -> list[str]:
        return list(self._state.transcript)

    @property
    def served_429(self) -> int:
        return self._state.served_429

    @property
    def webhook(self) -> WebhookDelivery:
        """Where updates go once the bot set a webhook, with counts of what was delivered."""
        return self._state.webhook

    @property
    def waiting_polls(self) -> int:
        """getUpdates calls currently parked in a long poll (the bot is listening)."""
        return self._state.waiting_polls
