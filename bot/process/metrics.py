"""METRICS=on: `GET /metrics` in Prometheus' text format, on API_HOST:API_PORT.

The registry is this app's own (not prometheus-client's global one), so two bots in one
process never mix. What the database knows (surveys, answers, alerts, webhooks, its size)
is counted at each scrape (storage.operating_counts); what only this process sees is kept
here: the sender's queue, Telegram's 429s and the time each call to Telegram took.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.process.outbound_gate import OutboundGate
from storage import operating_counts
from storage.database import Database
from storage.operating_counts import OperatingCounts

PREFIX = "feedback"
SEND_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Seconds: a call to Telegram takes tens of milliseconds; 10 s and more is an outage."""
COUNTERS = {
    "surveys_sent": "Surveys whose first question reached the customer.",
    "surveys_completed": "Surveys answered to the end.",
    "surveys_expired": "Surveys left unanswered past SURVEY_EXPIRES_AFTER.",
    "answers_stored": "Answers stored (each question answered counts one).",
    "webhook_deliveries": "Webhook events delivered (the receiver answered 2xx).",
    "webhook_failures": "Webhook delivery attempts that failed.",
}
GAUGES = {
    "alerts_open": "Low-score alerts not resolved yet.",
    "webhook_pending": "Webhook deliveries still to be made.",
    "database_bytes": "The database file and its write-ahead log, in bytes.",
}


class BotMetrics(Collector):
    def __init__(self, db: Database, gate: OutboundGate) -> None:
        self._db = db
        self._gate = gate
        self._counts: OperatingCounts | None = None
        self.registry = CollectorRegistry(auto_describe=False)
        self.send_seconds = Histogram(
            f"{PREFIX}_telegram_send_seconds",
            "Time of each message call to Telegram (sends and edits), 429 holds excluded.",
            buckets=SEND_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(self)

    async def exposition(self) -> bytes:
        """The page a scrape gets: the database counted now, then everything rendered."""
        self._counts = await operating_counts.read(self._db.reader, Path(self._db.path))
        return generate_latest(self.registry)

    def collect(self) -> Iterator[Metric]:
        gate = self._gate
        yield GaugeMetricFamily(
            f"{PREFIX}_sender_queue_depth",
            "Messages waiting for their turn to go to Telegram.",
            value=gate.waiting,
        )
        yield CounterMetricFamily(
            f"{PREFIX}_telegram_rate_limited",
            "429 Too Many Requests answers from Telegram since the bot started.",
            value=gate.stats.rate_limited,
        )
        counts = self._counts
        if counts is None:
            return
        for name, help_text in COUNTERS.items():
            yield CounterMetricFamily(f"{PREFIX}_{name}", help_text, value=_value(counts, name))
        for name, help_text in GAUGES.items():
            yield GaugeMetricFamily(f"{PREFIX}_{name}", help_text, value=_value(counts, name))


def _value(counts: OperatingCounts, name: str) -> int:
    return {
        "surveys_sent": counts.surveys_sent,
        "surveys_completed": counts.surveys_completed,
        "surveys_expired": counts.surveys_expired,
        "answers_stored": counts.answers,
        "webhook_deliveries": counts.webhook.delivered,
        "webhook_failures": counts.webhook.failures,
        "alerts_open": counts.alerts_open,
        "webhook_pending": counts.webhook.pending,
        "database_bytes": counts.database_bytes,
    }[name]


def add_metrics_route(app: web.Application, metrics: BotMetrics) -> None:
    async def serve(request: web.Request) -> web.Response:
        body = await metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/metrics", serve)
