"""Every text a person sees, in Russian and English, as HTML templates.

The texts live in gettext catalogues, `bot/locales/<language>/LC_MESSAGES/bot.po`, read
with Babel. Each message id is a key (`q_nps`, `thanks`, ...) and each translation an HTML
template with `{placeholders}`. `t()` fills them in and escapes the values, so a
customer's name or answer can never break the markup of a message. A text with a count
has a form per plural form of its language (`msgid_plural`); `tn()` lets gettext choose
by the catalogue's Plural-Forms rule.
"""

from __future__ import annotations

import gettext
import html
import io
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_timedelta
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import formats
from bot.formats import format_count

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
def po_catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """The key → template map of one language's texts without a count, read once."""
    return {
        message.id: str(message.string)
        for message in po_catalogue(language)
        if isinstance(message.id, str) and message.id and message.string and not message.fuzzy
    }


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The catalogue as gettext reads it, to choose plural forms by its Plural-Forms rule."""
    compiled = io.BytesIO()
    write_mo(compiled, po_catalogue(language))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def template(language: str, key: str) -> str:
    texts = catalogue(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    return texts[key]


@cache
def plural_forms(language: str) -> Mapping[str, tuple[str, ...]]:
    """The key → one template per plural form map of one language's texts with a count."""
    return {
        message.id[0]: tuple(str(form) for form in message.string)
        for message in po_catalogue(language)
        if isinstance(message.id, tuple) and isinstance(message.string, tuple)
    }


def forms(language: str, key: str) -> tuple[str, ...]:
    """Every template of `key`: one, or one per plural form."""
    plural = plural_forms(language).get(key)
    return plural if plural is not None else (catalogue(language)[key],)


def plural_template(language: str, key: str, count: int) -> str:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    if key not in plural_forms(language):
        raise KeyError(key)
    return translations(language).ngettext(key, key, count)


def from_now(delta: timedelta, language: str) -> str:
    """`через 2 часа`, `in 2 hours` (Babel's words, rounded), or `сразу` for no delay."""
    if delta <= timedelta(0):
        return t(language, "right_away")
    return format_timedelta(
        delta, granularity="minute", threshold=1, add_direction=True, locale=language
    )


def tn(language: str, key: str, count: int, /, **values: Any) -> str:
    """The text `key` in the form that agrees with `count` (`{count}`, written as the
    language writes numbers), other values HTML-escaped."""
    text = plural_template(language, key, count)
    escaped = {name: html.escape(str(value)) for name, value in values.items()}
    return text.format(count=format_count(count, language), **escaped)


def t(language: str, key: str, /, **values: Any) -> str:
    """The text `key` in `language` with HTML-escaped values filled in; for a text with a
    count, in the form that agrees with the `count` value."""
    if key in plural_forms(language if language in LANGUAGES else DEFAULT_LANGUAGE):
        count = values.pop("count")
        return tn(language, key, int(count), **values)
    text = template(language, key)
    if not values:
        return text
    return text.format(**{name: html.escape(str(value)) for name, value in values.items()})


def local_time(moment: datetime, tz: tzinfo, language: str) -> str:
    """A moment on the owner's wall clock, written the way `language` writes dates."""
    return formats.moment(moment, tz, language)


def t_html(language: str, key: str, /, **markup: str) -> str:
    """Like `t`, for values that are already safe HTML (other texts, built by `t`)."""
    return template(language, key).format(**markup)
