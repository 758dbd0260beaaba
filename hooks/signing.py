"""Standard Webhooks' signing: the `whsec_` secret and the three headers a receiver checks.

The `standardwebhooks` library signs (the same code receivers verify with): HMAC-SHA256 of
`{webhook-id}.{webhook-timestamp}.{body}` with the secret's bytes, sent as `v1,<base64>`.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

from core.event_endpoints import SECRET_PREFIX

SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(secret: str, message_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """The headers of one attempt: the same id on every attempt, the time of this one."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
    }
