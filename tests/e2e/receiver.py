"""A CRM's webhook receiver on 127.0.0.1: what it was sent, and what it answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook

from tests.helpers import serve_on_loopback

HANG = 0
"""An answer that never comes (the request hangs until the receiver stops)."""


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> dict[str, Any]:
        """The event, once the `standardwebhooks` library accepts its signature and time."""
        payload: dict[str, Any] = Webhook(secret).verify(self.body, self.headers)
        return payload

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)
        return event


class Receiver:
    def __init__(self) -> None:
        self.got: list[Received] = []
        self.answers: list[int] = []  # answered in turn; then `otherwise`
        self.otherwise = 200
        self.url = ""
        self._arrived = asyncio.Condition()
        self._released = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.got.append(Received({k.lower(): v for k, v in request.headers.items()}, body))
        async with self._arrived:
            self._arrived.notify_all()
        status = self.answers.pop(0) if self.answers else self.otherwise
        if status == HANG:
            await self._released.wait()
            status = 200
        return web.Response(status=status, text="ok" if status < 300 else "unavailable")

    async def wait_for(self, count: int, within: float = 10.0) -> list[Received]:
        """Until `count` requests have come; all of them."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.got) >= count)
        return list(self.got)

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.got if r.event["type"] == event_type]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Receiver]:
        runner, port = await serve_on_loopback("/hook", self._handle)
        self.url = f"http://127.0.0.1:{port}/hook"
        try:
            yield self
        finally:
            self._released.set()
            await runner.cleanup()
