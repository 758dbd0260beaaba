"""The bot's one HTTP server, on API_HOST:API_PORT: the intake API, /healthz, in webhook
mode the webhook, with WEBAPP_URL the Mini App and with METRICS /metrics (a reverse proxy
in front terminates HTTPS)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.process.health import add_healthz_route
from bot.process.metrics import BotMetrics, add_metrics_route
from bot.process.webhook import add_webhook_route, webhook_path
from core.clock import Clock
from core.settings import ConfigError
from intake.api import create_api
from storage.database import Database
from storage.intake import DispatchSoon
from storage.live_settings import LiveSettings
from webapp.server import add_webapp_routes
from webapp.services import PageContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Webhook:
    """What the webhook's route needs: where updates go, and the secret they must carry."""

    dispatcher: Dispatcher
    bot: Bot
    secret: str


async def start_http_server(
    *,
    db: Database,
    live_settings: LiveSettings,
    clock: Clock,
    dispatch_soon: DispatchSoon,
    components: Mapping[str, Callable[[], bool]],
    webhook: Webhook | None,
    page: PageContext | None = None,
    metrics: BotMetrics | None = None,
) -> web.AppRunner:
    """Listening once this returns; ConfigError with one clear line if it cannot listen."""
    settings = live_settings.base
    http = create_api(db=db, settings=live_settings, clock=clock, dispatch_soon=dispatch_soon)
    add_healthz_route(http, db, components)
    if metrics is not None:
        add_metrics_route(http, metrics)
    if webhook is not None:
        path = webhook_path(settings.webhook_url)
        add_webhook_route(http, path, webhook.secret, webhook.dispatcher, webhook.bot)
    if page is not None:
        try:
            add_webapp_routes(http, page)
        except (ValueError, RuntimeError) as clash:  # aiohttp: a path taken by another route
            raise ConfigError(
                f"Configuration error: WEBAPP_URL's path clashes with another route: {clash}"
            ) from None
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    host, port = settings.api_host, settings.api_port
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:  # the port is taken, the address is not this machine's
        await runner.cleanup()
        raise ConfigError(
            f"Configuration error: cannot listen on {host}:{port} (API_HOST, API_PORT): "
            f"{os.strerror(error.errno) if error.errno else error}"
        ) from None
    log.info("HTTP server listening on %s", runner.addresses)
    return runner
