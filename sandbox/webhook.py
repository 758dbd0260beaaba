"""Webhook delivery as Telegram does it: each queued update POSTed to the bot's URL, in
order, one at a time, again and again until the bot answers 2xx.

Only a 2xx answer confirms an update; a 4xx/5xx answer, a dropped connection or a timeout
leaves it queued and it is sent again after `retry_delay`. Unlike Telegram, which wants
HTTPS, the emulator also accepts plain http:// on loopback addresses (tests run the bot's
server on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from urllib.parse import urlsplit

import aiohttp

from sandbox.notifier import ChangeNotifier
from sandbox.updates import UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LOOPBACK = ("127.", "localhost", "[::1]", "::1")
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
        self.request_timeout = 60.0  # Telegram gives a webhook about a minute
        self.url = ""
        self.secret: str | None = None
        self.delivered = 0  # 2xx answers
        self.failed = 0  # answers that were not 2xx, drops and timeouts
        self.last_error = ""
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    def configure(self, url: str, secret: str | None) -> None:
        self.url, self.secret = url, secret
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
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await self._notifier.wait_for(lambda: not self.url or self._updates.ready(), None)
                if not self.url:
                    self._task = None
                    return
                update, redelivery = self._updates.take_one()
                if await self._post(session, update):
                    self._updates.confirm(update, redelivery)
                    self.delivered += 1
                else:
                    self._updates.put_back(update, redelivery)
                    self.failed += 1
                    await asyncio.sleep(self.retry_delay)
                self._notifier.changed()

    async def _post(self, session: aiohttp.ClientSession, update: dict[str, object]) -> bool:
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        try:
            async with session.post(self.url, data=json.dumps(update), headers=headers) as reply:
                await reply.read()
                if 200 <= reply.status < 300:
                    return True
                self.last_error = f"Wrong response from the webhook: {reply.status}"
        except (aiohttp.ClientError, TimeoutError) as error:
            self.last_error = f"Connection failed: {type(error).__name__}"
        _log.debug("webhook delivery of update %s failed: %s", update["update_id"], self.last_error)
        return False
