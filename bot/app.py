"""Builds the whole bot from settings: one place, nothing at import time.

`python -m bot`, the sandbox and the end-to-end tests all start the bot through
`create_app`, so the tests exercise exactly what owners run.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from bot.customers.referral_rewards import ReferralRewards
from bot.languages import staff_language
from bot.menus import publish_customer_menu, publish_staff_menu
from bot.process.aiogram_session import telegram_session
from bot.process.background import Background
from bot.process.bulk_sender import BulkSender
from bot.process.dispatch_after import DispatchAfterHandler
from bot.process.http_server import Webhook, start_http_server
from bot.process.metrics import BotMetrics
from bot.process.once_per_update import OncePerUpdate
from bot.process.outbound_gate import OutboundGate
from bot.process.polling import HoldOffsetUntilHandled, InFlightDispatcher
from bot.process.reach_telegram import OneLinePerOutage, Route, wait_for_telegram
from bot.process.signals import stop_on_signals
from bot.process.theme_process import BATCH as THEME_BATCH
from bot.process.theme_process import read_in_child
from bot.process.warm_up import tune_garbage_collector, warm_up
from bot.process.webhook import webhook_secret
from bot.reports.alerts import AlertNotifier
from bot.reports.dashboard import page_services
from bot.reports.digest import DigestService
from bot.reports.export_process import remove_stale_export_folders
from bot.reports.owner_notes import OwnerNotes
from bot.reports.reward_pool_notice import RewardPoolNotice
from bot.reports.scheduled_backups import ScheduledBackups
from bot.roles import Roles
from bot.routing import routers
from bot.survey.conversation import SurveyConversation
from bot.survey.long_texts import LongTexts
from bot.survey.wording import Wording
from core.clock import Clock, utc_now
from core.settings import Settings, require_token
from hooks.worker import WebhookWorker
from scheduler.jobs import Jobs
from scheduler.setup import add_jobs, create_scheduler
from storage import outbox, staff, themes
from storage.database import Database
from storage.instance_lock import InstanceLock
from storage.live_settings import LiveSettings
from storage.meta import get_or_create_secret
from storage.outbox import Endpoint
from storage.theme_tagging import ThemeTagger
from webapp.services import PageContext

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 20.0
WEBHOOK_GRACE_SECONDS = 2.0


@dataclass
class FeedbackApp:
    settings: Settings
    live_settings: LiveSettings
    bot: Bot
    dispatcher: InFlightDispatcher
    db: Database
    scheduler: AsyncIOScheduler
    jobs: Jobs
    gate: OutboundGate
    sender: BulkSender
    conversation: SurveyConversation
    roles: Roles
    qr_secret: bytes
    webhooks: WebhookWorker | None = None
    metrics: BotMetrics | None = None
    api_runner: web.AppRunner | None = None
    background: Background = field(default_factory=Background)
    _stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    _scheduler_stopped: bool = False
    webhook_secret: str = ""  # set at start-up in webhook mode (bot/process/webhook.py)
    instance_lock: InstanceLock | None = None  # released once the database is closed
    exit_at_once: Callable[[int], None] = os._exit  # what a second signal calls
    _outage_log: OneLinePerOutage | None = None  # on aiogram's polling logger while running

    def tune_garbage_collector_once_started(self) -> None:
        """For a process that is this bot alone (`python -m bot`): once started, what
        start-up built is left out of full garbage collections and young objects are
        collected less often (bot/process/warm_up.py)."""
        self.dispatcher.startup.register(tune_garbage_collector)  # after _on_startup

    async def run(self, *, handle_signals: bool = True, polling_timeout: int = 10) -> None:
        """Until stopped: webhook mode when WEBHOOK_URL is set, long polling otherwise."""
        with (
            stop_on_signals(self.stop, self._stop_requested, self.exit_at_once)
            if handle_signals
            else nullcontext()
        ):
            try:
                reached = await self.reach_telegram()
            except BaseException:
                await self.close()
                raise
            if not reached:  # stopped while Telegram could not be reached
                await self.close()
            elif self.settings.webhook_mode:
                await self.run_webhook()
            else:
                await self.run_polling(polling_timeout=polling_timeout)

    async def reach_telegram(self) -> bool:
        """Wait until Telegram answers (bot/process/reach_telegram.py); False if stopped
        first. TokenRefused if it refuses BOT_TOKEN."""
        scrub, route = self.settings.without_secrets, Route.of(self.settings)
        me = await wait_for_telegram(self.bot, route, self._stop_requested, redact=scrub)
        if me is None:
            return False
        self._outage_log = OneLinePerOutage(route, scrub)
        self._outage_log.install(logging.getLogger("aiogram.dispatcher"))
        log.info("Telegram accepts the token: the bot is @%s", me.username)
        return True

    async def run_polling(self, *, polling_timeout: int = 10) -> None:
        """Long polling until stopped; always closes the database afterwards.

        The updates of a batch are handled at once, each chat's in order, and the batch is
        confirmed to Telegram only once all of them are handled (bot/process/polling.py): a crash
        mid-update gets it redelivered, and the update-id records make that harmless.
        """
        stopper = asyncio.ensure_future(self._stop_polling_when_asked())
        try:
            await self.bot.delete_webhook(drop_pending_updates=False)
            if not self._stop_requested.is_set():
                await self.dispatcher.start_polling(
                    self.bot,
                    handle_as_tasks=True,
                    handle_signals=False,
                    polling_timeout=polling_timeout,
                )
        finally:
            stopper.cancel()
            await self.close()

    async def _stop_polling_when_asked(self) -> None:
        """A stop asked for while polling is still starting (Telegram being reached, the
        webhook deleted) stops it as soon as it runs."""
        await self._stop_requested.wait()
        while True:
            try:
                await self.dispatcher.stop_polling()
                return
            except RuntimeError:  # not started yet: aiogram takes a stop only once it runs
                await asyncio.sleep(0.05)

    async def run_webhook(self) -> None:
        """Serve WEBHOOK_URL's path beside the intake API until stopped (bot/process/webhook.py).

        The webhook stays registered while the bot is down, so Telegram keeps the updates
        and delivers them when it is back.
        """
        try:
            await self.dispatcher.emit_startup(bot=self.bot, **self.dispatcher.workflow_data)
            await self.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
            log.info("webhook mode: Telegram sends updates to the configured WEBHOOK_URL")
            await self._stop_requested.wait()
            await self.dispatcher.emit_shutdown(bot=self.bot, **self.dispatcher.workflow_data)
        finally:
            await self.close()

    async def stop(self) -> None:
        """Ends reaching Telegram at start, the webhook's wait, or polling (even one that is
        still starting: `_stop_polling_when_asked`)."""
        self._stop_requested.set()

    def stop_scheduler(self) -> None:
        """Once: AsyncIOScheduler shuts down on the loop's next turn and stays `running`
        until then, so a second shutdown meanwhile would raise in that callback."""
        if self.scheduler.running and not self._scheduler_stopped:
            self._scheduler_stopped = True
            self.scheduler.shutdown(wait=False)

    async def close(self) -> None:
        if self._outage_log is not None:
            self._outage_log.uninstall(logging.getLogger("aiogram.dispatcher"))
            self._outage_log = None
        self.gate.stop()
        self.stop_scheduler()
        if self.webhooks is not None:  # stopped already, unless start-up failed half-way
            await self.webhooks.stop(0)
        await self.bot.session.close()
        await self.db.close()
        if self.instance_lock is not None:
            self.instance_lock.release()


async def create_app(settings: Settings, *, clock: Clock = utc_now) -> FeedbackApp:
    """The bot, its database open; DatabaseInUse if another process holds that database."""
    token = require_token(settings)
    lock = InstanceLock.acquire(settings.database_path)
    try:
        if removed := remove_stale_export_folders(settings.database_path):
            log.info("removed %s export folders a stop had left behind", removed)
        app = await _build_app(settings, token, clock)
    except BaseException:
        lock.release()
        raise
    app.instance_lock = lock
    return app


async def _build_app(settings: Settings, token: str, clock: Clock) -> FeedbackApp:
    db = await Database.open(settings.database_path)
    warm_up()  # the models answering needs, before anyone waits on them
    session = telegram_session(settings.telegram_api_url, settings.proxy)
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    async with db.transaction() as conn:  # OWNER_IDS / ADMIN_IDS seed the table once
        await staff.seed(conn, settings.owner_ids, settings.admin_ids, clock())
        await themes.seed_defaults(conn, clock())  # the default themes, once
    roles = Roles()
    await roles.load(db)
    live = LiveSettings(settings)
    await live.load(db)
    gate = OutboundGate(rate_per_second=live.current.send_rate)
    bot.session.middleware(gate)  # every message the bot sends or edits, whoever sends it
    sender = BulkSender()
    wording = Wording()
    await wording.load(db)
    conversation = SurveyConversation(db, clock, sender, wording)
    alerts = AlertNotifier(db, clock, roles, sender, live)
    theme_tagger = ThemeTagger(db, read_in_child, batch=THEME_BATCH)  # pymorphy3 off our heap
    digests = DigestService(db, live, clock, roles, sender, theme_tagger)
    scheduler = create_scheduler(settings.tz)
    notes = OwnerNotes(db, roles, sender)
    notice = RewardPoolNotice(db, roles, notes)
    webhooks = await _webhooks(settings, db, clock, theme_tagger, notes, bot)
    jobs = Jobs(
        bot,
        db,
        conversation,
        clock,
        live,
        alerts=alerts,
        digests=digests,
        reward_notice=notice,
        themes=theme_tagger,
        referral_rewards=ReferralRewards(db, clock, sender),
        backups=ScheduledBackups(db, live, clock, notes),
    )
    add_jobs(scheduler, jobs, settings.dispatch_interval)
    configured_secret = settings.qr_secret.get_secret_value().encode()
    qr_secret = configured_secret or await get_or_create_secret(db, "qr_secret")
    background = Background()
    isolation: BaseEventIsolation = SimpleEventIsolation()
    dispatcher = InFlightDispatcher(
        events_isolation=isolation,
        db=db,
        live_settings=live,
        clock=clock,
        roles=roles,
        conversation=conversation,
        wording=wording,
        qr_secret=qr_secret,
        alerts=alerts,
        digests=digests,
        theme_tagger=theme_tagger,
        long_texts=LongTexts(),
        background=background,
        webhooks=webhooks,
    )
    live.on_change(lambda changed: gate.set_rate(changed.send_rate))
    dispatcher.update.outer_middleware(await OncePerUpdate.open(db, clock))
    dispatcher.message.outer_middleware(DispatchAfterHandler(jobs.intake_dispatch))
    bot.session.middleware(HoldOffsetUntilHandled(dispatcher))
    dispatcher.include_routers(*routers())
    app = FeedbackApp(
        settings,
        live,
        bot,
        dispatcher,
        db,
        scheduler,
        jobs,
        gate,
        sender,
        conversation,
        roles,
        qr_secret,
        webhooks=webhooks,
        metrics=_metrics(settings, db, gate),
        background=background,
    )

    async def on_startup() -> None:
        await _on_startup(app)

    async def on_shutdown() -> None:
        await _on_shutdown(app)

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return app


async def _webhooks(
    settings: Settings,
    db: Database,
    clock: Clock,
    theme_tagger: ThemeTagger,
    notes: OwnerNotes,
    bot: Bot,
) -> WebhookWorker:
    """The outbox's delivery, with EVENTS_URL's endpoint as .env has it now."""
    async with db.transaction() as conn:
        secret = settings.events_secret.get_secret_value()
        await outbox.keep_env_endpoint(conn, settings.events_url, secret, clock())

    async def tell_owners(endpoint: Endpoint) -> None:
        await notes.tell(bot, "hooks_disabled_notice", n=endpoint.id, url=endpoint.url)

    return WebhookWorker(db, clock, prepare=theme_tagger.catch_up, on_disabled=tell_owners)


def _metrics(settings: Settings, db: Database, gate: OutboundGate) -> BotMetrics | None:
    if not settings.metrics:
        return None
    metrics = BotMetrics(db, gate)
    gate.on_call_done = metrics.send_seconds.observe
    return metrics


async def _on_startup(app: FeedbackApp) -> None:
    me = await app.bot.me()
    log.info("bot @%s (id %s) starting", me.username, me.id)
    await publish_customer_menu(app.bot)
    for user_id in sorted(app.roles.admin_ids):
        language = await staff_language(app.db, user_id)
        await publish_staff_menu(
            app.bot, app.roles, user_id, language, webapp_url=app.settings.webapp_url
        )
    # Before any update is handled: questions a crash left undelivered go out first.
    resumed = await app.conversation.resume_unprompted(app.bot)
    if resumed:
        log.info("resumed %s surveys interrupted by the last stop", resumed)
    if app.settings.serves_http:  # first: a port already taken stops the start before any job
        await _start_http(app)
    if app.webhooks is not None:
        app.webhooks.start()
    app.scheduler.start()


async def _start_http(app: FeedbackApp) -> None:
    webhook = None
    if app.settings.webhook_mode:
        app.webhook_secret = await webhook_secret(app.settings, app.db)
        webhook = Webhook(app.dispatcher, app.bot, app.webhook_secret)
    app.api_runner = await start_http_server(
        db=app.db,
        live_settings=app.live_settings,
        clock=app.conversation.clock,
        dispatch_soon=app.jobs.intake_dispatch,
        components={"scheduler": lambda: app.scheduler.state == STATE_RUNNING},
        webhook=webhook,
        page=_page(app) if app.settings.webapp_url else None,
        metrics=app.metrics,
    )


def _page(app: FeedbackApp) -> PageContext:
    """What the Mini App's server needs of the bot (bot/reports/dashboard.py)."""
    data = app.dispatcher.workflow_data
    services = page_services(
        bot=app.bot,
        db=app.db,
        roles=app.roles,
        alerts=data["alerts"],
        digests=data["digests"],
        background=app.background,
        live_settings=app.live_settings,
        clock=app.conversation.clock,
    )
    token = app.bot.token
    return PageContext(app.db, app.live_settings, app.conversation.clock, token, services)


async def _on_shutdown(app: FeedbackApp) -> None:
    """Let running handlers and jobs finish their sends and writes before everything closes.

    Paced sends not begun yet are not waited for (a 429 can ask for 35 s): they give up
    and stay owed in the database, sent after the restart.
    """
    if app.api_runner is not None:
        await app.api_runner.cleanup()
        app.api_runner = None
    if app.scheduler.running:
        app.scheduler.pause()
    if app.webhooks is not None:  # an attempt cut short is made again after the restart
        await app.webhooks.stop(WEBHOOK_GRACE_SECONDS)
    app.gate.stop_bulk()  # replies still go out: their handlers get their grace
    app.sender.stop()
    await app.dispatcher.drain(SHUTDOWN_GRACE_SECONDS)
    await app.conversation.stop()  # an owed message being tried again: its send finishes
    await app.background.stop(SHUTDOWN_GRACE_SECONDS)  # an export gives up between batches
    if app.scheduler.running:
        await app.jobs.drain()
        app.stop_scheduler()
    log.info("bot stopped")
