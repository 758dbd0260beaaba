"""A CRM's receiver for the benchmarks: a process of its own on 127.0.0.1 that answers 204
to every signed event and says when they came."""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from aiohttp import web

from bot.app import FeedbackApp
from hooks.signing import new_secret
from storage import outbox
from storage.outbox import Event


def _serve(conn: Connection, port: int) -> None:
    arrivals: list[float] = []

    async def take(request: web.Request) -> web.Response:
        await request.read()
        arrivals.append(time.monotonic())
        return web.Response(status=204)

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/hook", take)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        conn.send("ready")
        expected = await asyncio.to_thread(conn.recv)
        deadline = time.monotonic() + 60
        while len(arrivals) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        conn.send(arrivals)
        await runner.cleanup()

    asyncio.run(serve())


@dataclass
class Receiver:
    url: str
    conn: Connection
    queued_at: float = 0.0

    async def report(self, expected: int) -> dict[str, Any]:
        """Once `expected` events came (or 60 s more passed): how many, and over how long."""
        self.conn.send(expected)
        arrivals: list[float] = await asyncio.to_thread(self.conn.recv)
        last = max(arrivals) if arrivals else self.queued_at
        return {
            "delivered": len(arrivals),
            "expected": expected,
            "seconds_from_queued_to_last": round(last - self.queued_at, 2),
        }


@contextmanager
def receiving(events: int) -> Iterator[Receiver | None]:
    """A receiver process when `events` are to be delivered; None otherwise."""
    if not events:
        yield None
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(child, port), daemon=True)
    process.start()
    try:
        parent.recv()
        yield Receiver(f"http://127.0.0.1:{port}/hook", parent)
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


async def queue_events(app: FeedbackApp, receiver: Receiver, count: int) -> None:
    """An endpoint for every event, and `count` survey.completed events in one transaction."""
    async with app.db.transaction() as conn:
        await outbox.add(conn, receiver.url, new_secret(), [], app.conversation.clock())
        surveys = await conn.execute_fetchall(
            "SELECT id FROM surveys ORDER BY id LIMIT ?", (count,)
        )
        ids = [row[0] for row in surveys]
        for index in range(count):
            event = Event("survey.completed", ids[index % len(ids)])
            await outbox.record(conn, event, app.conversation.clock())
    assert app.webhooks is not None
    receiver.queued_at = time.monotonic()  # one clock for both processes (CLOCK_MONOTONIC)
    app.webhooks.wake()
