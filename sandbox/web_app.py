"""What a Telegram client does when someone opens a Mini App: sign `initData` with the bot's
token and pass it, with the theme, in the page URL's hash (core.telegram.org/bots/webapps).

The emulator's side of the Mini App: tests and the sandbox open the bot's dashboard as
Telegram would, with no Telegram account.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote, urlencode

LIGHT_THEME = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#3390ec",
    "button_color": "#3390ec",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f4f4f5",
}
DARK_THEME = {
    "bg_color": "#212121",
    "text_color": "#ffffff",
    "hint_color": "#aaaaaa",
    "link_color": "#8774e1",
    "button_color": "#8774e1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#0f0f0f",
}


def sign_init_data(token: str, user: dict[str, Any], *, auth_date: int | None = None) -> str:
    """`initData` for `user` (a Bot API User object), signed as Telegram signs it."""
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": "AAH" + hashlib.sha256(str(user.get("id")).encode()).hexdigest()[:20],
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def launch_url(url: str, init_data: str, *, theme: dict[str, str] | None = None) -> str:
    """`url` with the launch parameters in its hash, as Telegram opens a Mini App."""
    params = {
        "tgWebAppData": init_data,
        "tgWebAppVersion": "8.0",
        "tgWebAppPlatform": "web",
        "tgWebAppThemeParams": json.dumps(theme or LIGHT_THEME, separators=(",", ":")),
    }
    return f"{url.split('#')[0]}#{urlencode(params, quote_via=quote)}"
