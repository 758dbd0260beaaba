"""How staff messages name a customer or a person recommended: a link that opens their
chat, and their @username."""

from __future__ import annotations

import html

from bot.texts import t


def person_link(
    language: str,
    *,
    first_name: str | None,
    last_name: str | None = None,
    username: str | None = None,
    telegram_id: int | None = None,
) -> str:
    """HTML: the name (or "no name"), a `tg://user` link when the account is known."""
    name = " ".join(part for part in (first_name, last_name) if part)
    name = html.escape(name or t(language, "alert_no_name"))
    if telegram_id is not None:
        name = f'<a href="tg://user?id={telegram_id}">{name}</a>'
    if username:
        name += f" @{html.escape(username)}"
    return name
