"""When a purchase was made, as a till, a CSV export or an API client writes it: one parser
for every way purchases come in, so the same export works in each.

Accepted: a date alone (`2026-11-23`, `23.11.2026`: midnight), a date and time without an
offset (`2026-11-23 10:00`, `23.11.2026 10:00:05`), both read on the owner's wall clock
(TIMEZONE), or an ISO 8601 date and time with an offset or `Z` (`2026-11-23T10:00:00+03:00`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

MAX_CHARS = 40

_ISO_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_DOTTED_DATE = re.compile(
    r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})"
    r"(?:\s+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
)

FORMATS_HINT = (
    "a date (2026-11-23 or 23.11.2026), a date and time on the bot's TIMEZONE clock "
    "(2026-11-23T10:00), or one with an offset (2026-11-23T10:00:00+03:00 or ...Z)"
)


def parse_purchase_time(value: str, timezone: tzinfo) -> datetime | None:
    """An aware UTC datetime, or None if `value` is none of the accepted forms."""
    text = value.strip()
    if len(text) > MAX_CHARS or not text.isascii():
        return None
    try:
        if _ISO_DATE.fullmatch(text.upper()):
            moment = datetime.fromisoformat(text.upper())
        elif match := _DOTTED_DATE.fullmatch(text):
            day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
            moment = datetime(year, month, day, hour, minute, second)
        else:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # 31.02.2024, 25:00, or past year 1 / 9999 in UTC
        return None
