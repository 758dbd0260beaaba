"""Webhook delivery as Telegram does it: each queued update POSTed to the bot's URL, again
and again until the bot answers 2xx.

Up to `max_connections` requests are open at once (setWebhook's parameter, 1-100, 40 by
default), started in update order. Updates of one chat go one at a time, in order: the next
is sent once the previous one was answered 2xx (the emulator's reading of Telegram, which
documents no order across chats and keeps each chat's updates in sequence).

Only a 2xx answer confirms an update; a 4xx/5xx answer, a dropped connection or a timeout
leaves it queued and it is sent again after `retry_delay`. A timeout (`request_timeout`,
Telegram's minute, read for each POST so tests can shorten it) only means the emulator
stopped waiting: the bot may still be handling the first request when the repeat arrives,
as with Telegram. The latest 10,000 POSTs are noted in `attempts`.

A 2xx answer may carry one Bot API call as JSON (`{"method": "answerCallbackQuery", ...}`),
which is run as Telegram runs it, its result told to no one. Unlike Telegram, which wants
HTTPS, the emulator also accepts plain http:// on loopback addresses (tests run the bot's
server on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import urlsplit

import aiohttp

from sandbox.notifier import ChangeNotifier
from sandbox.observed import WebhookAttempt
from sandbox.updates import UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LOOPBACK = ("127.", "localhost", "[::1]", "::1")
DEFAULT_MAX_CONNECTIONS = 40
_log = logging.getLogger(__name__)


def acceptable_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    host = parts.hostname or ""
    return parts.scheme == "http" and host.startswith(LOOPBACK)


class WebhookDelivery:
    def __init__(
        self, updates: UpdateQueue, notifier: ChangeNotifier, retry_delay: float = 0.2
    ) -> None:
        self._updates = updates
        self._notifier = notifier
        self.retry_delay = retry_delay
        self.request_timeout = 60.0  # Telegram gives a webhook about a minute; read per POST
        self.url = ""
        self.secret: str | None = None
        self.max_connections = DEFAULT_MAX_CONNECTIONS
        self._sending: dict[int, object] = {}  # update id -> its chat, while being delivered
        self.delivered = 0  # 2xx answers
        self.failed = 0  # answers that were not 2xx, drops and timeouts
        self.last_error = ""
        self.attempts: deque[WebhookAttempt] = deque(maxlen=10_000)  # the latest POSTs
        self._task: asyncio.Task[None] | None = None
        # runs the Bot API call a 2xx answer carries; set by the emulator's server
        self.reply_runner: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    def configure(
        self, url: str, secret: str | None, max_connections: int = DEFAULT_MAX_CONNECTIONS
    ) -> None:
        self.url, self.secret, self.max_connections = url, secret, max_connections
        if url and self._task is None:
            self._task = asyncio.ensure_future(self._run())
        self._notifier.changed()

    async def stop(self) -> None:
        self.url = ""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        connector = aiohttp.TCPConnector(limit=0)
        deliveries: set[asyncio.Task[None]] = set()
        try:
            async with aiohttp.ClientSession(connector=connector) as session:
                while True:
                    await self._notifier.wait_for(lambda: not self.url or self._can_send(), None)
                    if not self.url:
                        return
                    update, redelivery = self._updates.take_next(self._busy)
                    self._sending[update["update_id"]] = _chat_of(update)
                    task = asyncio.ensure_future(self._deliver(session, update, redelivery))
                    deliveries.add(task)
                    task.add_done_callback(deliveries.discard)
        finally:
            self._task = None
            for task in deliveries:
                task.cancel()
            await asyncio.gather(*deliveries, return_exceptions=True)

    def _busy(self, update: dict[str, object]) -> bool:
        """Being delivered already, or its chat has an update being delivered."""
        if update["update_id"] in self._sending:
            return True
        chat = _chat_of(update)
        return chat is not None and chat in self._sending.values()

    def _can_send(self) -> bool:
        return len(self._sending) < self.max_connections and self._updates.has_next(self._busy)

    async def _deliver(
        self, session: aiohttp.ClientSession, update: dict[str, object], redelivery: bool
    ) -> None:
        delivered = False
        try:
            while self.url:
                if await self._post(session, update):
                    delivered = True
                    self._updates.confirm(update, redelivery)
                    self.delivered += 1
                    return
                self.failed += 1
                self._notifier.changed()
                await asyncio.sleep(self.retry_delay)
        finally:
            if not delivered:
                self._updates.put_back(update, redelivery)
            del self._sending[update["update_id"]]  # type: ignore[arg-type]
            self._notifier.changed()

    async def _post(self, session: aiohttp.ClientSession, update: dict[str, object]) -> bool:
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        update_id = cast(int, update["update_id"])
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        started, status, content_type, body = time.monotonic(), 0, "", b""
        try:
            async with session.post(
                self.url, data=json.dumps(update), headers=headers, timeout=timeout
            ) as reply:
                body, status, content_type = await reply.read(), reply.status, reply.content_type
        except (aiohttp.ClientError, TimeoutError) as error:
            self.last_error = f"Connection failed: {type(error).__name__}"
        self.attempts.append(WebhookAttempt(update_id, started, time.monotonic(), status))
        if 200 <= status < 300:
            await self._run_reply_call(content_type, body)
            return True
        if status:
            self.last_error = f"Wrong response from the webhook: {status}"
        _log.debug("webhook delivery of update %s failed: %s", update_id, self.last_error)
        return False

    async def _run_reply_call(self, content_type: str, body: bytes) -> None:
        if self.reply_runner is None or content_type != "application/json" or not body:
            return
        try:
            call = json.loads(body)
        except ValueError:
            return  # Telegram ignores an answer it cannot read, the update is still delivered
        if isinstance(call, dict) and isinstance(call.get("method"), str):
            await self.reply_runner(call)


def _chat_of(update: dict[str, object]) -> object:
    """The chat an update belongs to (a callback's message's chat, or its sender), if any."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        message = value.get("message")
        chat = value.get("chat") or (message.get("chat") if isinstance(message, dict) else None)
        if isinstance(chat, dict):
            return chat.get("id")
        sender = value.get("from")
        return sender.get("id") if isinstance(sender, dict) else None
    return None
