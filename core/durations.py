"""Durations as owners write them in `.env` and /settings: `0`, `90` (seconds), `30s`, `15m`,
`2h`, `1d`."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)


_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


_LONGEST = timedelta(days=36500)  # anything longer is a typo, and would overflow datetimes


def parse_duration(value: str | int | timedelta) -> timedelta:
    """Parse `0`, `90` (seconds), `30s`, `15m`, `2h` or `1d` into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(
            f"cannot read {value!r} as a duration (use 0, seconds, 30s, 15m, 2h or 1d)"
        )
    amount, unit = match.groups()
    seconds = int(amount) * _UNIT_SECONDS[unit.lower()]
    if seconds > _LONGEST.total_seconds():
        raise ValueError(f"{value!r} is far too long a duration")
    return timedelta(seconds=seconds)


def format_duration(duration: timedelta) -> str:
    """The largest whole unit: `2h`, `90m`, `45s`, `0s` (the inverse of parse_duration)."""
    seconds = int(duration.total_seconds())
    for unit in ("d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
