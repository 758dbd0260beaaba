"""When owners get their digest, and which days each digest covers.

`DIGEST_SCHEDULE` is `mon 09:00` (weekly, any weekday), `daily 09:00` or `off`, in the
owner's time zone. A digest sent at a slot covers whole local days: the seven days (or the
one day) before the slot's date, so Monday's digest is last Monday to Sunday inclusive,
however late in the day it goes out. The period's start names the digest, which is how a
restart knows whether it was sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from core.period import Period

OFF = "off"
DAILY = "daily"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_SCHEDULE = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    weekday: int | None  # 0 = Monday; None = every day
    at: time

    def __str__(self) -> str:
        day = DAILY if self.weekday is None else WEEKDAYS[self.weekday]
        return f"{day} {self.at:%H:%M}"

    @property
    def days(self) -> int:
        return 1 if self.weekday is None else 7

    def latest_slot(self, now: datetime, tz: tzinfo) -> datetime:
        """The last slot at or before `now`, in UTC."""
        local = now.astimezone(tz)
        day = local.date()
        if self.weekday is not None:
            day -= timedelta(days=(day.weekday() - self.weekday) % 7)
        slot = _at(day, self.at, tz)
        if slot > now:
            slot = _at(day - timedelta(days=self.days), self.at, tz)
        return slot.astimezone(UTC)

    def period_for(self, slot: datetime, tz: tzinfo) -> Period:
        """The whole local days a digest sent at `slot` covers."""
        end_day = slot.astimezone(tz).date()
        end = _at(end_day, time(0), tz)
        start = _at(end_day - timedelta(days=self.days), time(0), tz)
        return Period(start.astimezone(UTC), end.astimezone(UTC))


def _at(day: date, moment: time, tz: tzinfo) -> datetime:
    # Round trip through UTC so a wall time skipped by a DST change lands on a real instant.
    return datetime.combine(day, moment, tzinfo=tz).astimezone(UTC).astimezone(tz)


def parse_digest_schedule(text: str, what: str = "digest schedule") -> DigestSchedule | None:
    """`mon 09:00`, `daily 18:30`, or `off` (None). BACKUP_SCHEDULE is written the same way."""
    if text.strip().lower() == OFF:
        return None
    match = _SCHEDULE.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} as a {what} (use mon 09:00, daily 09:00 or off)")
    day, hours, minutes = match.group(1).lower(), int(match.group(2)), int(match.group(3))
    if day != DAILY and day not in WEEKDAYS:
        raise ValueError(f"{day!r} is not a weekday (mon … sun) or daily")
    if hours > 23 or minutes > 59:
        raise ValueError(f"{hours}:{minutes:02d} is not a time of day")
    weekday = None if day == DAILY else WEEKDAYS.index(day)
    return DigestSchedule(weekday, time(hours, minutes))
