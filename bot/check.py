"""`python -m bot check`: is the set-up right, before an owner relies on it?

It reads the settings as the bot does and reports each item on one line, ✅ or ❌ with
what to do: the settings, the database, Telegram (through PROXY_URL) and the token, the
owners, the API port, the webhook and the Mini App's address. It changes nothing: the
database is opened read-only, the port is only tried, Telegram is only asked.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import TelegramNotFound, TelegramUnauthorizedError
from aiogram.types import User, WebhookInfo

from bot.process.aiogram_session import telegram_session
from bot.process.health import healthz_url
from bot.process.reach_telegram import (
    REQUEST_TIMEOUT,
    TOKEN_REFUSED,
    Route,
    TokenRefused,
    cause_of,
)
from core.settings import ConfigError, Settings, load_settings, require_token
from storage.migrations import MIGRATIONS

OK, BAD = "✅", "❌"


@dataclass(frozen=True, slots=True)
class Line:
    ok: bool
    text: str

    def __str__(self) -> str:
        return f"{OK if self.ok else BAD} {self.text}"


async def run_checks() -> list[Line]:
    """Every line, in the order an owner fixes things; a bad setting stops the rest."""
    try:
        settings = load_settings()
        token = require_token(settings)
    except ConfigError as error:
        return [Line(False, f"{error} (.env or the environment)")]
    lines = [Line(True, "Settings: valid")]
    lines.append(database_line(settings.database_path))
    bot = Bot(token, session=telegram_session(settings.telegram_api_url, settings.proxy))
    try:
        telegram, webhook = await _ask_telegram(bot, settings)
    finally:
        await bot.session.close()
    lines.append(telegram)
    lines.append(owners_line(settings))
    lines.append(port_line(settings))
    lines.append(webhook_line(settings, webhook, reached=telegram.ok))
    lines.append(webapp_line(settings.webapp_url))
    return lines


def database_line(path: Path) -> Line:
    if not path.exists():
        folder = next(p for p in (path.parent, *path.parents) if p.exists())
        if os.access(folder, os.W_OK):
            return Line(True, f"Database: {path} does not exist yet; the bot creates it at start")
        return Line(False, f"Database: cannot create {path}: {folder} is not writable")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.close()
    except sqlite3.Error as error:
        return Line(False, f"Database: {path} does not open ({error}): is it an SQLite file?")
    current = len(MIGRATIONS)
    if version > current:
        return Line(
            False,
            f"Database: {path} has schema version {version}, newer than this bot's "
            f"{current}: run the newer version of the bot, or restore a backup",
        )
    if version < current:
        return Line(
            True,
            f"Database: {path} opens; schema version {version}, upgraded to {current} at start",
        )
    return Line(True, f"Database: {path} opens; schema version {version} (current)")


async def _ask_telegram(bot: Bot, settings: Settings) -> tuple[Line, WebhookInfo | None]:
    """Whether Telegram answers and accepts the token; its webhook as it knows it."""
    route = Route.of(settings)
    try:
        me = await _get_me(bot)
        webhook = await bot.get_webhook_info(request_timeout=REQUEST_TIMEOUT)
    except TokenRefused:
        return Line(False, f"Telegram: {TOKEN_REFUSED}"), None
    except Exception as error:  # every way of not reaching it is reported, not raised
        cause = settings.without_secrets(cause_of(error))
        return (
            Line(
                False,
                f"Telegram cannot be reached at {route}: {cause}. "
                "Check the network, PROXY_URL and TELEGRAM_API_URL",
            ),
            None,
        )
    through = f" through {route.proxy_shown}" if route.proxy_shown else ""
    return Line(True, f"Telegram: reachable{through}; BOT_TOKEN is @{me.username}'s"), webhook


async def _get_me(bot: Bot) -> User:
    try:
        return await bot.get_me(request_timeout=REQUEST_TIMEOUT)
    except (TelegramUnauthorizedError, TelegramNotFound):
        raise TokenRefused from None


def owners_line(settings: Settings) -> Line:
    if not settings.owner_ids:
        return Line(
            False,
            "OWNER_IDS is empty: put your Telegram user id in it (@userinfobot tells it); "
            "owners get the alerts and the digests",
        )
    started = _started(settings.database_path, settings.owner_ids)
    waiting = [str(owner) for owner in settings.owner_ids if owner not in started]
    text = f"OWNER_IDS: {len(settings.owner_ids)}"
    if waiting:
        text += (
            f"; not started the bot yet: {', '.join(waiting)} "
            "(open the bot in Telegram and press Start, or alerts cannot reach them)"
        )
    else:
        text += "; each has pressed Start"
    return Line(True, text)


def _started(path: Path, ids: list[int]) -> set[int]:
    """Which of `ids` have opened the bot, as its database knows (none before it exists)."""
    if not path.exists():
        return set()
    marks = ", ".join("?" * len(ids))
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = conn.execute(
                f"SELECT telegram_user_id FROM customers"
                f" WHERE started_at IS NOT NULL AND telegram_user_id IN ({marks})",
                ids,
            ).fetchall()
        conn.close()
    except sqlite3.Error:
        return set()
    return {int(row[0]) for row in rows}


def port_line(settings: Settings) -> Line:
    address = f"{settings.api_host}:{settings.api_port}"
    if not settings.serves_http:
        return Line(True, "API port: not used (no API_TOKEN, WEBHOOK_URL or HEALTH_CHECK)")
    try:
        with socket.create_server((settings.api_host, settings.api_port)):
            pass
    except OSError as error:
        if _healthz_answers(settings):
            return Line(True, f"API port: {address} is the running bot's (its /healthz answers)")
        return Line(
            False,
            f"API port: cannot listen on {address} ({os.strerror(error.errno or 0)}): "
            "another program holds it; change API_PORT or stop that program",
        )
    return Line(True, f"API port: {address} is free")


def _healthz_answers(settings: Settings) -> bool:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with direct.open(healthz_url(settings), timeout=3) as response:
            return bool(response.status)
    except urllib.error.HTTPError as error:  # 503: the bot answers, and is unwell
        return error.code == 503
    except (urllib.error.URLError, OSError):
        return False


def webhook_line(settings: Settings, info: WebhookInfo | None, *, reached: bool) -> Line:
    if not settings.webhook_url:
        text = "WEBHOOK_URL: not set; the bot polls Telegram for updates"
        if info is not None and info.url:
            text += " (the webhook Telegram has now is removed at start)"
        return Line(True, text)
    if not settings.webhook_url.startswith("https://"):
        return Line(
            False,
            f"WEBHOOK_URL: {settings.webhook_url} is not HTTPS: Telegram sends updates only "
            "to https:// addresses (put a reverse proxy with a certificate in front)",
        )
    if not reached or info is None:
        return Line(False, "WEBHOOK_URL: cannot compare with Telegram's, which is unreachable")
    if info.url != settings.webhook_url:
        registered = info.url or "none"
        return Line(
            False,
            f"WEBHOOK_URL: Telegram sends updates to {registered}, not {settings.webhook_url}: "
            "start the bot (it registers WEBHOOK_URL), then check again",
        )
    if info.last_error_message:
        when = f" at {info.last_error_date:%d.%m.%Y %H:%M} UTC" if info.last_error_date else ""
        return Line(
            False,
            f"WEBHOOK_URL: registered, and Telegram's last delivery failed{when}: "
            f"{info.last_error_message}. Check that the address reaches the bot's API_PORT",
        )
    pending = f"; {info.pending_update_count} updates waiting" if info.pending_update_count else ""
    return Line(True, f"WEBHOOK_URL: registered with Telegram, no delivery errors{pending}")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def webapp_line(url: str) -> Line:
    if not url:
        return Line(True, "WEBAPP_URL: not set (no Mini App)")
    if urlsplit(url).hostname in LOOPBACK and url.startswith("http://"):
        return Line(
            True, f"WEBAPP_URL: {url} is this machine's: for a browser here, not for Telegram"
        )
    if not url.startswith("https://"):
        return Line(
            False, f"WEBAPP_URL: {url} is not HTTPS: Telegram opens Mini Apps over https:// only"
        )
    return Line(True, f"WEBAPP_URL: {url} is HTTPS")
