"""Reaching Telegram: at start, until it answers; while running, one line per outage.

A first start on a real network is where an owner meets a firewall, a network that blocks
Telegram, a wrong proxy or a mistyped token. Each gets one line that names the address, the
cause and what to check. An unreachable Telegram is tried again, with backoff up to a
minute, rather than ending the process: under systemd or Docker an exit only loops. A token
Telegram refuses ends it (exit code 2): trying again cannot help.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from time import monotonic

from aiogram import Bot
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramNotFound,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import User

from core.settings import Settings

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
LONGEST_DELAY = 60.0
REQUEST_TIMEOUT = 10
"""Seconds one getMe may take: a firewall that drops packets answers nothing at all."""

TOKEN_REFUSED = "Telegram does not accept BOT_TOKEN: check it with @BotFather"


class TokenRefused(Exception):
    """Telegram answered getMe with 401 or 404: the token is wrong or revoked."""

    def __init__(self) -> None:
        super().__init__(TOKEN_REFUSED)


@dataclass(frozen=True, slots=True)
class Route:
    """Where the bot's calls go, as logs may show it (no token, no proxy credentials)."""

    api_url: str
    proxy_shown: str = ""

    @classmethod
    def of(cls, settings: Settings) -> Route:
        return cls(settings.telegram_api_url, settings.proxy_shown if settings.proxy else "")

    def __str__(self) -> str:
        return f"{self.api_url} through {self.proxy_shown}" if self.proxy_shown else self.api_url


def cause_of(error: BaseException) -> str:
    """What went wrong reaching Telegram, in a few words (never the request's URL, which
    holds the token)."""
    if isinstance(error, TelegramServerError):
        return f"Telegram answered with a server error ({error.message})"
    if isinstance(error, asyncio.TimeoutError | TimeoutError):
        return f"no answer within {REQUEST_TIMEOUT} s"
    for link in _chain(error):
        if isinstance(link, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(link, ConnectionRefusedError) or (
            isinstance(link, OSError) and link.errno == errno.ECONNREFUSED
        ):
            return "connection refused"
        if isinstance(link, asyncio.TimeoutError | TimeoutError):
            return f"no answer within {REQUEST_TIMEOUT} s"
        if type(link).__module__.startswith("python_socks"):
            return f"the proxy failed: {link}"
    if isinstance(error, TelegramNetworkError):
        return error.message.removeprefix("HTTP Client says - ")
    return f"{type(error).__name__}: {error}"


def _chain(error: BaseException) -> list[BaseException]:
    links: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in links:
        links.append(current)
        current = current.__cause__ or current.__context__
    return links


def unreachable_line(route: Route, cause: str, retry_in: float) -> str:
    return (
        f"Telegram cannot be reached at {route}: {cause}. Check the network, PROXY_URL and "
        f"TELEGRAM_API_URL; trying again in {retry_in:.0f} s"
    )


async def wait_for_telegram(
    bot: Bot,
    route: Route,
    stopping: asyncio.Event,
    *,
    redact: Callable[[str], str] = lambda text: text,
) -> User | None:
    """The bot's own account, once Telegram answers getMe; None if `stopping` is set first.

    TokenRefused for a token Telegram refuses. Each failed try is one WARNING line; the
    delay doubles from FIRST_DELAY up to LONGEST_DELAY. `redact` scrubs what a cause may
    quote (the proxy's credentials)."""
    delay = FIRST_DELAY
    outage_started: float | None = None
    while not stopping.is_set():
        try:
            me = await bot.get_me(request_timeout=REQUEST_TIMEOUT)
        except (TelegramUnauthorizedError, TelegramNotFound):
            raise TokenRefused from None
        except (TelegramNetworkError, TelegramServerError, OSError, TimeoutError) as error:
            outage_started = outage_started or monotonic()
            log.warning(unreachable_line(route, redact(cause_of(error)), delay))
        else:
            if outage_started is not None:
                log.warning(
                    "Telegram answers at %s after %.0f s", route, monotonic() - outage_started
                )
            return me
        with suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        delay = min(delay * 2, LONGEST_DELAY)
    return None


class OneLinePerOutage(logging.Filter):
    """On aiogram's polling logger: one WARNING when fetching updates starts failing, one
    when it works again, instead of two lines for every try.

    aiogram retries by itself (up to 5 s apart); its lines for each try are dropped."""

    def __init__(self, route: Route, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._route = route
        self._redact = redact
        self._since: float | None = None
        self._threshold = logging.WARNING
        self._level = logging.NOTSET

    def install(self, logger: logging.Logger) -> None:
        """aiogram says "back" at INFO: the logger lets INFO through to this filter, which
        passes on only what the configured level would have."""
        self._threshold = logger.getEffectiveLevel()
        self._level = logger.level
        logger.setLevel(min(self._threshold, logging.INFO))
        logger.addFilter(self)

    def uninstall(self, logger: logging.Logger) -> None:
        logger.removeFilter(self)
        logger.setLevel(self._level)

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith("Failed to fetch updates"):
            if self._since is not None:
                return False
            self._since = monotonic()
            cause = str(record.args[1]) if isinstance(record.args, tuple) else ""
            record.msg = "Telegram cannot be reached at %s: %s. Polling keeps trying"
            record.args = (str(self._route), self._redact(_short(cause)))
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            return True
        if text.startswith("Sleep for"):
            return False
        if text.startswith("Connection established"):
            if self._since is None:
                return False
            record.msg = "Telegram answers again at %s after %.0f s"
            record.args = (str(self._route), monotonic() - self._since)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            self._since = None
            return True
        return record.levelno >= self._threshold


def _short(cause: str) -> str:
    return cause.removeprefix("HTTP Client says - ")
