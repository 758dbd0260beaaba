"""Numbers, money, shares, sizes and spans as the reader's language writes them, by Babel.

`1 500,50 ₽` and `RUB1,500.50`, `50 %` and `50%`, `6,1 МБ` and `6.1 MB`: the locale data
(CLDR) decides, not code of ours. Amounts are stored in minor units (intake.money).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from babel.dates import (
    format_date,
    format_datetime,
    format_interval,
    format_skeleton,
    format_timedelta,
    get_timezone_location,
)
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

from core.period import Period
from intake.money import minor_digits

MIB = 1024 * 1024


def format_count(value: float, language: str) -> str:
    """A count: `1 500`, `1,500`."""
    return format_decimal(value, locale=language)


def number(value: float, language: str, digits: int = 1) -> str:
    """A figure with up to `digits` decimals, trailing zeros dropped: `12,5`, `12.5`, `3`."""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    text = format_decimal(round(value, digits), format=pattern, locale=language)
    return "0" if text in ("-0", "\u22120") else text


def signed(value: float, language: str, digits: int = 1) -> str:
    text = number(value, language, digits)
    return text if text.startswith(("-", "\u2212")) or text == "0" else f"+{text}"


def percent(value: float, language: str) -> str:
    """`value` percent, whole: `50 %`, `50%`."""
    return format_percent(round(value) / 100, locale=language)


def money(minor: float, currency: str, language: str) -> str:
    """An amount in minor units with its currency's sign: `1 500,50 ₽`, `RUB1,500.50`."""
    digits = minor_digits(currency)
    amount = Decimal(round(minor)).scaleb(-digits)
    return format_currency(amount, currency, locale=language)


def file_size(size: int, language: str) -> str:
    """`6,1 МБ`, `6.1 MB`."""
    return format_unit(
        size / MIB, "digital-megabyte", length="short", format="#,##0.0", locale=language
    )


def moment(when: datetime, tz: tzinfo, language: str) -> str:
    """A moment on the owner's clock: `06.12.2026, 12:05`, `12/6/26, 12:05 PM`."""
    return format_datetime(when, "short", tzinfo=tz, locale=language)


def day(when: datetime, tz: tzinfo, language: str) -> str:
    """The owner's day of a moment: `6 дек.`, `Dec 6`."""
    return format_skeleton("MMMd", when, tzinfo=tz, locale=language)


def day_span(period: Period, tz: tzinfo, language: str) -> str:
    """The local days a period covers (its end is exclusive), their years always said:
    `23–29 нояб. 2026 г.`, `Dec 28, 2026 – Jan 3, 2027`."""
    first = period.start.astimezone(tz).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
    if first == last:
        return format_date(first, "medium", locale=language)
    return format_interval(first, last, "yMMMd", locale=language)


def zone_name(tz: tzinfo, language: str) -> str:
    """The owner's clock as its city: `Москва`, `Moscow`; UTC as UTC."""
    key = str(getattr(tz, "key", tz))
    if key in ("UTC", "Etc/UTC", "Etc/GMT", "GMT"):
        return "UTC"
    try:
        return str(get_timezone_location(tz, locale=language, return_city=True))
    except (LookupError, ValueError):
        return key


def span(value: timedelta, language: str) -> str:
    """`2 часа`, `45 minutes`: a span rounded to its largest unit."""
    return format_timedelta(value, granularity="minute", threshold=1, locale=language)
