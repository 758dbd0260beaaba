"""Delivers the outbox: every due delivery, signed, to its endpoint; at least once.

A loop beside the bot: each turn reads what is due (storage.outbox), reads each event's body
from the tables (storage.event_bodies), signs it and POSTs it, then writes how every attempt
went in one transaction. An attempt cut short by a crash was never recorded, so it is made
again after the restart, with the same `webhook-id`.

Per endpoint the deliveries go one after another, oldest first; a failure stops that
endpoint's turn, and the rest of its batch waits for the same retry (a receiver that is down
is asked once, not once per event). Endpoints are served side by side.

Two clocks: the injected one decides what is due (tests move it to the next retry); the
`webhook-timestamp` a receiver checks is always the real time of the attempt.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime

import aiohttp

from core.clock import Clock, to_db
from core.logs import log_failure
from hooks import backoff
from hooks.post import Response, new_session, post
from hooks.signing import signed_headers
from storage import event_bodies, outbox
from storage.database import Database
from storage.outbox import Attempt, Due, Endpoint, Outcome

log = logging.getLogger(__name__)

BATCH = 100
POLL_SECONDS = 1.0
ENDPOINTS_AT_ONCE = 8
TEST_EVENT = "webhook.test"

Prepare = Callable[[], Awaitable[object]]
"""Run before bodies that carry themes are read: the answers' themes caught up."""
Disabled = Callable[[Endpoint], Awaitable[None]]
"""Told of an endpoint a 410 has just disabled (the owners hear of it)."""


class WebhookWorker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        prepare: Prepare | None = None,
        on_disabled: Disabled | None = None,
        poll_seconds: float = POLL_SECONDS,
        batch: int = BATCH,
    ) -> None:
        self._db = db
        self._clock = clock
        self._prepare = prepare
        self._on_disabled = on_disabled
        self.poll_seconds = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._gate = asyncio.Semaphore(ENDPOINTS_AT_ONCE)

    def start(self) -> None:
        self._session = new_session()
        self._task = asyncio.create_task(self._run(), name="webhook-delivery")

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll."""
        self._wake.set()

    async def stop(self, grace: float) -> None:
        """Attempts under way get `grace` seconds; one cut short is made again next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, grace)
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                handled = await self.deliver_due()
            except Exception as error:  # the database busy, a body unreadable: next turn
                log_failure(log, error, "webhook delivery turn failed")
                handled = 0
            if handled < self._batch and not self._stopping:
                self._wake.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def deliver_due(self) -> int:
        """One turn: every due delivery (up to a batch) tried once; how many there were."""
        due = await outbox.due(self._db.reader, self._clock(), self._batch)
        if not due:
            return 0
        if self._prepare is not None and any(d.event.type == "survey.completed" for d in due):
            try:
                await self._prepare()
            except Exception as error:  # themes are late; the event goes without them
                log_failure(log, error, "themes not caught up before webhook delivery")
        bodies = await self._bodies(due)
        by_endpoint: dict[int, list[Due]] = defaultdict(list)
        for delivery in due:
            by_endpoint[delivery.endpoint_id].append(delivery)
        turns = await asyncio.gather(
            *(self._endpoint_turn(dues, bodies) for dues in by_endpoint.values())
        )
        async with self._db.transaction() as conn:
            disabled = await outbox.save_attempts(
                conn, [a for turn in turns for a in turn], self._clock()
            )
            gone = [await outbox.get(conn, endpoint_id) for endpoint_id in disabled]
        for endpoint in gone:
            if endpoint is not None:
                log.warning("webhook endpoint #%s answered 410 Gone: disabled", endpoint.id)
                if self._on_disabled is not None:
                    await self._on_disabled(endpoint)
        return len(due)

    async def _bodies(self, due: Sequence[Due]) -> dict[int, bytes]:
        """Each event's body, read once however many endpoints it goes to."""
        bodies: dict[int, bytes] = {}
        for delivery in due:
            if delivery.event_id not in bodies:
                data = await event_bodies.body(
                    self._db.reader, delivery.event, delivery.occurred_at
                )
                bodies[delivery.event_id] = _encode(data)
        return bodies

    async def _endpoint_turn(self, dues: list[Due], bodies: dict[int, bytes]) -> list[Attempt]:
        attempts: list[Attempt] = []
        async with self._gate:
            for index, delivery in enumerate(dues):
                response = await self._send(
                    delivery.url, delivery.secret, delivery.message_id, bodies[delivery.event_id]
                )
                attempt = self._attempt(delivery, response)
                attempts.append(attempt)
                if attempt.outcome is not Outcome.DELIVERED:
                    attempts += _postponed(dues[index + 1 :], attempt)
                    break
        return attempts

    def _attempt(self, delivery: Due, response: Response) -> Attempt:
        ids = delivery.delivery_id, delivery.endpoint_id
        if response.delivered:
            return Attempt(*ids, Outcome.DELIVERED)
        if response.gone:
            return Attempt(*ids, Outcome.GONE, response.error)
        made = delivery.attempts + 1
        retry_at = backoff.retry_at(made, delivery.occurred_at, self._clock())
        log.warning(
            "webhook endpoint #%s: %s failed (attempt %s); %s",
            delivery.endpoint_id,
            delivery.event.type,
            made,
            f"next at {to_db(retry_at)}" if retry_at else "given up after 24 h",
        )
        return Attempt(*ids, Outcome.FAILED, response.error, retry_at)

    async def _send(self, url: str, secret: str, message_id: str, body: bytes) -> Response:
        assert self._session is not None, "start() first"
        headers = signed_headers(secret, message_id, body, datetime.now(UTC))
        return await post(self._session, url, headers, body)

    async def send_test(self, endpoint: Endpoint) -> Response:
        """A `webhook.test` event to `endpoint` now, outside the outbox (/hooks test)."""
        now = self._clock()
        body = _encode(
            {"type": TEST_EVENT, "timestamp": to_db(now), "data": {"endpoint_id": endpoint.id}}
        )
        message_id = f"msg_test_{int(now.timestamp() * 1000)}_{endpoint.id}"
        return await self._send(endpoint.url, endpoint.secret, message_id, body)


def _encode(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _postponed(rest: Sequence[Due], failed: Attempt) -> list[Attempt]:
    """The endpoint's other deliveries of this turn wait for the failed one's retry."""
    if failed.outcome is not Outcome.FAILED or failed.retry_at is None:
        return []  # disabled (410) or given up: the others keep their own schedule
    return [
        Attempt(d.delivery_id, d.endpoint_id, Outcome.POSTPONED, retry_at=failed.retry_at)
        for d in rest
    ]
