"""Health: the bot's `GET /healthz`, and `python -m bot health`, which asks it.

`/healthz` answers 200 while the database answers and the scheduler runs, 503 naming what
does not. `python -m bot health` (Docker's HEALTHCHECK) exits 0 when the bot answers 200,
1 otherwise, as Docker wants it; the one line printed says why. The address is the bot's
own API_HOST:API_PORT (loopback for a server listening on every address).
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from aiohttp import web

from core.settings import Settings
from intake.api import QUIET, json_response
from storage.database import Database, fetch_one

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
EVERY_ADDRESS = {"0.0.0.0", "::", ""}


def healthz_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.api_host in EVERY_ADDRESS else settings.api_host
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{settings.api_port}/healthz"


def check(settings: Settings) -> tuple[bool, str]:
    """(healthy, the line to print)."""
    if not settings.serves_http:
        return False, (
            "Nothing serves /healthz: set HEALTH_CHECK=on (or API_TOKEN, or WEBHOOK_URL) "
            "and restart the bot"
        )
    url = healthz_url(settings)
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never HTTP_PROXY
    try:
        with direct.open(url, timeout=TIMEOUT_SECONDS) as response:
            return True, f"healthy: {response.read().decode()}"
    except urllib.error.HTTPError as error:  # 503: the body names what is wrong
        return False, f"unhealthy ({error.code}): {_body(error)}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return False, f"the bot does not answer at {url}: {reason}"


def _body(error: urllib.error.HTTPError) -> str:
    text = error.read().decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text[:200]


def add_healthz_route(
    http: web.Application, db: Database, components: Mapping[str, Callable[[], bool]]
) -> None:
    """`GET /healthz`: 200 when the database answers and each of `components` (name → is it
    working?) works; 503 naming what does not."""

    async def healthz(request: web.Request) -> web.Response:
        request[QUIET] = True
        states = {"database": "ok"}
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                await fetch_one(db.reader, "SELECT 1")
        except Exception as error:
            log.warning("health check: the database did not answer (%s)", type(error).__name__)
            log.debug("health check failure details", exc_info=error)
            states["database"] = "error"
        for name, working in components.items():
            states[name] = "ok" if working() else "error"
        healthy = all(state == "ok" for state in states.values())
        if not healthy:
            log.warning("health check failed: %s", states)
        body = {"status": "ok" if healthy else "error", **states}
        return json_response(200 if healthy else 503, json.dumps(body))

    http.router.add_get("/healthz", healthz)
