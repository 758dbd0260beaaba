"""The owners' digest: figures as text, the 12-week chart as a photo, each period once.

The scheduler's tick asks `send_due` whether the latest slot of DIGEST_SCHEDULE has an
owner who has not had its digest; a digest is recorded as sent right after it went out,
so a restart (or a slot missed while the bot was down) sends it once. Slots before the
bot's very first check are not owed: a new install waits for its first slot. A crash in the
moment between sending and recording would send it again: for an owner a repeated digest
is better than a missing one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from enum import Enum

from aiogram import Bot
from aiogram.types import BufferedInputFile

from analytics.report import Report
from bot.languages import staff_language
from bot.process.bulk_sender import BulkSender, SendOutcome
from bot.reports.chart_process import draw_weekly_chart
from bot.reports.report_text import digest_messages
from bot.roles import Roles
from bot.texts import t
from core.clock import Clock, from_db, to_db
from core.logs import log_failure
from core.period import Period, weeks_ending
from core.settings import Settings
from storage import digests, insight, meta
from storage.database import Database
from storage.live_settings import LiveSettings
from storage.theme_tagging import ThemeTagger

log = logging.getLogger(__name__)


class Delivery(Enum):
    SENT = "sent"
    REFUSED = "refused"  # Telegram refuses this chat: not retried for this period
    RETRY = "retry"  # a transient failure: the next tick tries again


CHART_WEEKS = 12
DIGESTS_SINCE = "digests_since"
ON_DEMAND = timedelta(days=7)
"""/digest covers the seven days up to the moment it is asked for."""


class DigestService:
    def __init__(
        self,
        db: Database,
        settings: LiveSettings,
        clock: Clock,
        roles: Roles,
        sender: BulkSender,
        tagger: ThemeTagger,
    ) -> None:
        self._db = db
        self._tagger = tagger
        self._live = settings
        self._clock = clock
        self._roles = roles
        self._sender = sender
        self._since: datetime | None = None
        self._warned: set[tuple[datetime, int]] = set()

    @property
    def _settings(self) -> Settings:
        """The settings in force now: /settings may change the schedule and time zone."""
        return self._live.current

    async def report(
        self, period: Period, *, details: bool = True, store_key: str | None = None
    ) -> Report:
        """The figures of `period`; with `store_key`, that store's alone. Written answers
        not given their themes yet are read first."""
        await self._tagger.catch_up()
        return await insight.report(
            self._db.reader,
            period,
            currency=self._settings.currency,
            churn_after=self._settings.churn_after,
            details=details,
            now=self._clock(),
            scope=insight.Scope(store_key) if store_key is not None else insight.EVERYTHING,
        )

    async def chart(self, period: Period, language: str) -> bytes:
        """NPS and CSAT for each of the 12 weeks that end with `period`."""
        tz = self._settings.tz
        weeks = weeks_ending(period.end, CHART_WEEKS, tz)
        return await draw_weekly_chart(
            lambda: insight.weekly_points(self._db.reader, weeks, tz), language
        )

    async def send_now(self, bot: Bot, chat_id: int, language: str) -> None:
        """`/digest`: the last seven days up to now, to whoever asked."""
        period = Period.up_to(self._clock(), ON_DEMAND)
        async with self._drawing(period, language) as chart:
            report = await self.report(period)
            await self._deliver(bot, chat_id, language, report, "digest_now_title", chart)

    @contextlib.asynccontextmanager
    async def _drawing(self, period: Period, language: str) -> AsyncIterator[asyncio.Task[bytes]]:
        """The chart of a digest someone is waiting for, begun at once so that it is drawn
        while the figures are computed and sent (its process's start is most of a digest's
        time); dropped if not waited for."""
        chart = asyncio.create_task(self.chart(period, language))
        try:
            yield chart
        finally:
            chart.cancel()  # a no-op once it is done
            await asyncio.gather(chart, return_exceptions=True)  # its child killed and reaped

    async def send_due(self, bot: Bot) -> int:
        """Send the digest of the latest slot to every owner who has not had it; how many."""
        schedule = self._settings.digest
        if schedule is None or not self._roles.owner_ids:
            return 0
        tz, now = self._settings.tz, self._clock()
        slot = schedule.latest_slot(now, tz)
        if slot < await self._owed_since(now):
            return 0  # the slot came before this bot's first digest check: nothing was missed
        period = schedule.period_for(slot, tz)
        owed = await digests.unsent(self._db.reader, period.start, self._roles.owner_ids)
        if not owed:
            return 0
        title = "digest_title" if schedule.days == 7 else "digest_daily_title"
        report = await self.report(period)  # once for every owner
        sent = 0
        for owner_id in owed:
            language = await staff_language(self._db, owner_id)
            # Nobody waits for a scheduled digest: its chart is begun only once the text is
            # out, not on every tick that retries while Telegram is unreachable.
            delivery = await self._deliver(bot, owner_id, language, report, title)
            if delivery is Delivery.RETRY:
                continue
            async with self._db.transaction() as conn:
                await digests.mark_sent(conn, period.start, owner_id, self._clock())
            sent += delivery is Delivery.SENT
        if sent:
            log.info("digest for the period from %s sent to %s owners", period.start, sent)
        return sent

    async def restart_schedule(self) -> None:
        """A new DIGEST_SCHEDULE starts at its next slot: the slots before it are not owed."""
        now = self._clock()
        self._since = now  # first: a tick during the write must already see the new start
        await meta.put(self._db, DIGESTS_SINCE, to_db(now))

    async def _owed_since(self, now: datetime) -> datetime:
        """Digests are owed from the first time the bot looked for one, not from before."""
        if self._since is None:
            self._since = from_db(await meta.get_or_set(self._db, DIGESTS_SINCE, to_db(now)))
        return self._since

    async def _deliver(
        self,
        bot: Bot,
        chat_id: int,
        language: str,
        report: Report,
        title_key: str,
        chart: asyncio.Task[bytes] | None = None,
    ) -> Delivery:
        """Send the digest's messages and chart; how it went for the first message.

        Once the first message is out the digest counts as sent: a later part that fails
        is logged, never the reason to send the whole digest again.
        """
        texts = digest_messages(report, language, self._settings.tz, title_key)
        for index, text in enumerate(texts):
            result = await self._sender.send(functools.partial(bot.send_message, chat_id, text))
            if result.outcome is SendOutcome.SENT:
                continue
            reason = result.error or result.outcome.value
            if index:
                log.warning("digest part %s to %s not sent: %s", index + 1, chat_id, reason)
                return Delivery.SENT
            return self._refused(report.period, chat_id, result.outcome, reason)
        try:
            picture = await (chart or self.chart(report.period, language))
            photo = BufferedInputFile(picture, filename="digest.png")
            result = await self._sender.send(
                lambda: bot.send_photo(chat_id, photo, caption=t(language, "digest_chart")),
            )
            if result.outcome is not SendOutcome.SENT:
                log.warning("digest chart to %s not sent: %s", chat_id, result.error)
        except Exception as error:  # a worker's message may quote the data it drew
            log_failure(log, error, "digest chart for %s", chat_id)
        return Delivery.SENT

    def _refused(self, period: Period, chat_id: int, outcome: SendOutcome, reason: str) -> Delivery:
        """Telegram refused the first message: for good (403, 400) or for now."""
        if outcome in (SendOutcome.FORBIDDEN, SendOutcome.BAD_REQUEST):
            # The owner never started the bot or blocked it: /digest still works later.
            log.warning("digest to %s refused for this period: %s", chat_id, reason)
            return Delivery.REFUSED
        first = (period.start, chat_id) not in self._warned
        self._warned.add((period.start, chat_id))
        level = logging.WARNING if first else logging.DEBUG  # owed: said once per period
        log.log(level, "digest to %s not sent yet: %s", chat_id, reason)
        return Delivery.RETRY
