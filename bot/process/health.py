"""`python -m bot health`: ask the running bot's `GET /healthz`, for Docker's HEALTHCHECK.

Exit 0 when the bot answers 200 (database and scheduler working), 1 otherwise, as Docker
wants it; the one line printed says why. The address is the bot's own API_HOST:API_PORT
(loopback for a server listening on every address).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from core.settings import Settings

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
