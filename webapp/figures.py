"""The dashboard's figures: the overview of a period and the weekly trend, for every store
or one, computed as /stats computes them, kept while nothing changes (webapp.fresh_cache)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from analytics.chart import WeekPoint
from core.clock import Clock
from core.period import Period, weeks_ending
from storage import insight
from storage.database import Database, fetch_one
from storage.live_settings import LiveSettings
from webapp import payloads
from webapp.fresh_cache import FreshCache

PERIODS: dict[str, timedelta | None] = {
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "365d": timedelta(days=365),
    "all": None,
}
"""The period filter: /stats's periods and a year."""
DEFAULT_PERIOD = "30d"
TREND_WEEKS = (12, 52)
FRESH_SECONDS = 60.0
"""How long figures are served as computed while nothing is recorded (periods end now)."""


class Figures:
    def __init__(self, db: Database, live_settings: LiveSettings, clock: Clock) -> None:
        self._db = db
        self._live = live_settings
        self._clock = clock
        self._overviews: FreshCache[dict[str, Any]] = FreshCache(fresh=FRESH_SECONDS)
        self._trends: FreshCache[list[WeekPoint]] = FreshCache(fresh=FRESH_SECONDS)

    async def close(self) -> None:
        await self._overviews.close()
        await self._trends.close()

    async def overview(self, choice: str, store_key: str | None) -> dict[str, Any]:
        return await self._overviews.get(
            (choice, store_key),
            lambda: self._compute_overview(choice, store_key),
            await self._version(),
        )

    async def trend(self, weeks: int, store_key: str | None) -> list[WeekPoint]:
        return await self._trends.get(
            (weeks, store_key),
            lambda: self._compute_trend(weeks, store_key),
            await self._version(),
        )

    async def _version(self) -> int:
        """Moves whenever the bot commits anything (SQLite's data_version, as the reader
        connection sees the writer's commits)."""
        row = await fetch_one(self._db.reader, "PRAGMA data_version")
        return int(row[0])

    async def _period(self, choice: str, now: datetime) -> Period:
        length = PERIODS[choice]
        if length is not None:
            return Period.up_to(now, length)
        history = await insight.whole_history(self._db.reader, now)
        return history or Period.up_to(now, timedelta(days=1))  # nothing recorded yet

    async def _compute_overview(self, choice: str, store_key: str | None) -> dict[str, Any]:
        now = self._clock()
        settings = self._live.current
        report = await insight.report(
            self._db.reader,
            await self._period(choice, now),
            currency=settings.currency,
            churn_after=settings.churn_after,
            details=False,
            now=now,
            scope=insight.Scope(store_key) if store_key is not None else insight.EVERYTHING,
        )
        return payloads.overview(report, now)

    async def _compute_trend(self, weeks: int, store_key: str | None) -> list[WeekPoint]:
        tz = self._live.current.tz
        periods = weeks_ending(self._clock(), weeks, tz)
        scope = insight.Scope(store_key) if store_key is not None else insight.EVERYTHING
        return await insight.weekly_points(self._db.reader, periods, tz, scope)
