"""The periodic jobs: send due surveys, resume stalled ones, alerts and digests, tidy up."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from aiogram import Bot

from core.clock import Clock
from core.logs import log_failure
from core.settings import Settings
from storage import erasure, meta, outbox, updates
from storage.database import Database
from storage.live_settings import LiveSettings

log = logging.getLogger(__name__)

BATCHES_PER_SECOND = 4
FINISHED_DELIVERIES_KEPT = timedelta(days=7)


class SurveyWork(Protocol):
    """What the tick asks of the customers' surveys (bot.survey.conversation does it)."""

    async def expire_overdue(self, bot: Bot, cutoff: datetime) -> int: ...

    async def dispatch_due(self, bot: Bot, limit: int) -> int: ...

    async def send_reminders(self, bot: Bot, sent_before: datetime, limit: int) -> int: ...

    async def send_nudges(self, bot: Bot, asked_before: datetime, limit: int) -> int: ...

    async def resume_unprompted(self, bot: Bot) -> int: ...


class AlertWork(Protocol):
    """Alert copies owed to owners, and reminders of open alerts (bot.reports.alerts)."""

    async def redeliver_owed(self, bot: Bot) -> None: ...

    async def send_reminders(self, bot: Bot, remind_after: timedelta) -> int: ...


class OwnerNotice(Protocol):
    """A message owed at some tick: the digest, the reward pool running low (to owners), a
    referrer's reward (to a customer)."""

    async def send_due(self, bot: Bot) -> object: ...


class ThemeWork(Protocol):
    """Written answers given their themes (storage.theme_tagging)."""

    async def catch_up(self) -> int: ...

    def stop(self) -> None:
        """A catch-up under way ends after its batch."""


class Jobs:
    """What runs at each tick; the Telegram side does the work, through the protocols above
    (the scheduler imports nothing of it: bot.app hands the objects over)."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        conversation: SurveyWork,
        clock: Clock,
        settings: LiveSettings,
        *,
        alerts: AlertWork,
        digests: OwnerNotice,
        reward_notice: OwnerNotice,
        themes: ThemeWork,
        referral_rewards: OwnerNotice,
        backups: OwnerNotice | None = None,
    ) -> None:
        self._bot = bot
        self._backups = backups
        self._referral_rewards = referral_rewards
        self._themes = themes
        self._alerts = alerts
        self._digests = digests
        self._reward_notice = reward_notice
        self._db = db
        self._conversation = conversation
        self._clock = clock
        self._live = settings
        self._busy = asyncio.Lock()
        self._stopping = False
        self._dispatch_asked = False  # a dispatch waits for its turn
        self._full_asked = False  # and is to be a whole tick, not only the due surveys
        self._dispatches: set[asyncio.Task[None]] = set()  # started by `_ask`, until done
        self._tagging: asyncio.Task[object] | None = None  # a running `tag_themes`

    @property
    def _settings(self) -> Settings:
        """Read at every tick, so a /settings change applies from the next one."""
        return self._live.current

    async def dispatch_surveys(self) -> None:
        """Expire old surveys; outside quiet hours send due ones, reminders and nudges; resume;
        then the owners' alerts and digests."""
        async with self._busy:
            await self._dispatch()

    async def scheduled_dispatch(self) -> None:
        """At each tick: `dispatch_surveys` in turn, and the job returns at once. A dispatch
        outlasting the interval (a thousand surveys at 30 a second) then never has
        APScheduler skip the next tick with a warning; the ticks meanwhile share one
        dispatch after it."""
        self._ask(full=True)

    def intake_dispatch(self) -> None:
        """A purchase made a survey due now (SURVEY_DELAY=0): send due surveys as soon as
        the dispatch in progress, if any, is done, without waiting for the next tick.

        Only the due surveys (overdue ones expired first), under the tick's quiet hours and
        /pause: reminders, alerts and digests keep their DISPATCH_INTERVAL. Calls made while
        one such dispatch waits for its turn share it; it sees every purchase committed
        before it started.
        """
        self._ask(full=False)

    def _ask(self, *, full: bool) -> None:
        if self._stopping:
            return
        if self._dispatch_asked:  # one is waiting for its turn: it will do this too
            self._full_asked = self._full_asked or full
            return
        self._dispatch_asked, self._full_asked = True, full
        # A fresh context: nothing of the handler that asked carries over into the scheduler's
        # work (its sends are not replies to that person, whatever the handler's were).
        task = asyncio.get_running_loop().create_task(
            self._dispatch_in_turn(), context=contextvars.Context()
        )
        self._dispatches.add(task)
        task.add_done_callback(self._finished)

    async def _dispatch_in_turn(self) -> None:
        async with self._busy:
            full = self._full_asked
            self._dispatch_asked = self._full_asked = False  # a new ask now makes another
            if self._stopping:
                return
            if full:
                await self._dispatch()
            else:
                await self._guarded(self._expire_and_send_due)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._dispatches.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log_failure(log, error, "survey dispatch")

    async def _dispatch(self) -> None:
        await self._guarded(self._tick)
        await self._owners_tick()

    @staticmethod
    async def _guarded(run: Callable[[], Awaitable[object]]) -> None:
        try:
            await run()
        except Exception as error:
            # A failed tick must not stop the next; the database still knows what is due.
            log_failure(log, error, "survey dispatch")

    async def _tick(self) -> None:
        settings, bot, conversation = self._settings, self._bot, self._conversation
        if await self._expire_and_send_due():
            batch = self._batch()
            quiet_since = self._clock() - settings.reminder_after
            await self._in_pipeline(
                lambda: conversation.send_reminders(bot, quiet_since, batch), batch
            )
            await self._in_pipeline(
                lambda: conversation.send_nudges(bot, quiet_since, batch), batch
            )
            await self._referral_rewards.send_due(bot)  # a customer's too: not at night
        # Follow-ups owed to customers in the middle of a survey go out at any hour.
        await conversation.resume_unprompted(bot)

    async def _expire_and_send_due(self) -> bool:
        """All a wake-up does, and a tick's start. Expiring first matters: sending starts
        every due survey, and one held back by a long pause or quiet hours may be past
        SURVEY_EXPIRES_AFTER. False if quiet hours or /pause held the sending."""
        expired_before = self._clock() - self._settings.survey_expires_after
        await self._conversation.expire_overdue(self._bot, expired_before)
        return await self._send_due()

    async def _send_due(self) -> bool:
        """Send the due surveys unless it is quiet hours or staff paused them (False then)."""
        settings, bot, conversation = self._settings, self._bot, self._conversation
        window = settings.quiet_window
        paused = await meta.get(self._db, meta.SURVEYS_PAUSED) is not None  # staff's /pause
        if paused or (window is not None and window.covers(self._clock(), settings.tz)):
            return False
        batch = self._batch()
        await self._in_pipeline(lambda: conversation.dispatch_due(bot, batch), batch)
        return True

    def _batch(self) -> int:
        """A quarter of a second of sending per batch: preparing a batch is a burst of work
        that delays the sender's next slot, so bursts are kept small, and a stop never
        waits long for the tick."""
        return max(1, math.ceil(self._settings.send_rate / BATCHES_PER_SECOND))

    async def _owners_tick(self) -> None:
        """Alerts and digests go out at any hour (quiet hours protect customers)."""
        bot, settings = self._bot, self._settings
        for step, run in (
            ("alert redelivery", lambda: self._alerts.redeliver_owed(bot)),
            (
                "alert reminders",
                lambda: self._alerts.send_reminders(bot, settings.alert_remind_after),
            ),
            ("digest", lambda: self._digests.send_due(bot)),
            ("reward pool notice", lambda: self._reward_notice.send_due(bot)),
        ):
            try:
                await run()
            except Exception as error:
                # Each on its own: a failing digest must not hold back the alerts.
                log_failure(log, error, "%s", step)

    async def _in_pipeline(self, send_batch: Callable[[], Awaitable[int]], batch: int) -> None:
        """Run `send_batch` until it finds less than a full batch, two batches at a time.

        While one batch waits for the last of its sends, the next is already claimed and
        queued at the sender, so the sender never idles between batches.
        """

        async def worker() -> None:
            while not self._stopping and await send_batch() == batch:
                pass

        await asyncio.gather(worker(), worker())

    async def housekeeping(self) -> None:
        """Hourly: forget old update ids and webhook deliveries finished a week ago; erase
        written answers past RETENTION_DAYS."""
        async with self._busy:
            async with self._db.transaction() as conn:
                removed = await updates.forget_old(conn, self._clock())
                await outbox.purge_finished(conn, self._clock() - FINISHED_DELIVERIES_KEPT)
            log.debug("forgot %s old update ids", removed)
            kept = self._settings.free_text_kept
            if kept is not None:
                erased = await erasure.erase_free_text_before(self._db, self._clock() - kept)
                if erased:
                    log.info("erased %s written answers and contacts past retention", erased)

    async def back_up(self) -> None:
        """Each minute: BACKUP_SCHEDULE's copy, when its time has come."""
        if self._stopping or self._backups is None:
            return
        try:
            await self._backups.send_due(self._bot)
        except Exception as error:  # the next minute asks again
            log_failure(log, error, "scheduled backup")

    async def tag_themes(self) -> None:
        """Each minute: the themes of what customers wrote since (the figures catch up
        themselves too, so this only spreads the work). `drain` waits for it."""
        if self._stopping or self._tagging is not None:
            return
        self._tagging = asyncio.current_task()
        try:
            await self._themes.catch_up()
        except Exception as error:  # the next minute tries again
            log_failure(log, error, "reading the themes of written answers")
        finally:
            self._tagging = None

    async def drain(self) -> None:
        """Let the running tick finish its batch, then wait for it (pause the scheduler first)."""
        self._stopping = True
        self._themes.stop()
        if self._tagging is not None:
            await asyncio.wait([self._tagging])
        await asyncio.gather(*self._dispatches)
        async with self._busy:
            pass
