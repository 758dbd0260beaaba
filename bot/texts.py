"""Every text a person sees, in Russian and English, as HTML templates.

The texts live in gettext catalogues, `bot/locales/<language>/LC_MESSAGES/bot.po`, read
with Babel. Each message id is a key (`q_nps`, `thanks`, ...) and each translation an HTML
template with `{placeholders}`. `t()` fills them in and escapes the values, so a
customer's name or answer can never break the markup of a message.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

RUSSIAN_SPEAKING = frozenset({"ru", "uk", "be", "kk"})
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("ru", "en")
LANGUAGE_PATTERN = f"^({'|'.join(LANGUAGES)})$"
"""A language code in a button's callback data."""
LOCALES = Path(__file__).with_name("locales")
DOMAIN = "bot"


def language_for(language_code: str | None) -> str:
    """Russian for ru, uk, be and kk (any region), English otherwise."""
    base = (language_code or "").split("-")[0].split("_")[0].lower()
    return "ru" if base in RUSSIAN_SPEAKING else "en"


def catalogue_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """The key → template map of one language, read once from its `.po` file."""
    with catalogue_path(language).open("rb") as file:
        po = read_po(file, locale=language, domain=DOMAIN)
    return {
        str(message.id): str(message.string)
        for message in po
        if message.id and message.string and not message.fuzzy
    }


def template(language: str, key: str) -> str:
    texts = catalogue(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    return texts[key]


def t(language: str, key: str, /, **values: Any) -> str:
    """The text `key` in `language` with HTML-escaped values filled in."""
    text = template(language, key)
    if not values:
        return text
    return text.format(**{name: html.escape(str(value)) for name, value in values.items()})


def local_time(moment: datetime, tz: tzinfo, language: str) -> str:
    """A moment on the owner's wall clock, written the way `language` writes dates."""
    return moment.astimezone(tz).strftime(template(language, "time_format"))


def t_html(language: str, key: str, /, **markup: str) -> str:
    """Like `t`, for values that are already safe HTML (other texts, built by `t`)."""
    return template(language, key).format(**markup)
