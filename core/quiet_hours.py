"""Quiet hours: a daily window in the owner's time zone when nobody gets a survey."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
OFF = "off"


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time
    end: time

    def covers(self, moment: datetime, timezone: tzinfo) -> bool:
        """Whether `moment` falls inside the window, read on the owner's wall clock."""
        local = moment.astimezone(timezone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # the window spans midnight

    def ends_after(self, moment: datetime, timezone: tzinfo) -> datetime:
        """When the window that covers `moment` ends (`moment` itself if none covers it)."""
        if not self.covers(moment, timezone):
            return moment
        local = moment.astimezone(timezone)
        end = datetime.combine(local.date(), self.end, tzinfo=timezone)
        if end <= local:  # the window spans midnight and ends tomorrow
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=timezone)
        return end.astimezone(moment.tzinfo)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet_hours(text: str) -> QuietHours | None:
    """`21:00-09:00` → a window; `off` → None (no quiet hours)."""
    if text.strip().lower() == OFF:
        return None
    match = _WINDOW.match(text)
    if not match:
        raise ValueError(
            f"cannot read {text!r} as quiet hours (use HH:MM-HH:MM, e.g. 21:00-09:00, or off)"
        )
    hour1, minute1, hour2, minute2 = (int(part) for part in match.groups())
    try:
        window = QuietHours(time(hour1, minute1), time(hour2, minute2))
    except ValueError as error:
        raise ValueError(f"{text!r} is not a valid time range: {error}") from None
    if window.start == window.end:
        raise ValueError(f"{text!r} is an empty window; use off to disable quiet hours")
    return window
