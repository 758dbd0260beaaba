"""What an outgoing-webhook endpoint must be: an http(s) address, a `whsec_` secret.

Read by the settings (EVENTS_URL, EVENTS_SECRET) and by /hooks add, so both refuse the
same things with the same words.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"
SHORTEST_KEY = 24
LONGEST_URL = 2000


def check_endpoint_url(text: str) -> str:
    """`text` as an endpoint's address; ValueError saying what is wrong."""
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise ValueError(f"{url!r} is not an http(s) address such as https://crm.example.com/hook")
    if len(url) > LONGEST_URL:
        raise ValueError(f"the address is longer than {LONGEST_URL} characters")
    try:
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError:
        raise ValueError(f"{url!r} has no valid port") from None
    return url


def check_secret(text: str) -> str:
    """`text` as a Standard Webhooks secret, `whsec_` and base64; ValueError saying why not."""
    secret = text.strip()
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("must start with whsec_ (whsec_ and the secret's bytes in base64)")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("must be whsec_ followed by base64") from None
    if len(key) < SHORTEST_KEY:
        raise ValueError(f"is too short: at least {SHORTEST_KEY} bytes (32 characters of base64)")
    return secret
