"""A span of time the figures are computed over."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

RESOLUTION = timedelta(microseconds=1)
"""Times are stored to the microsecond."""


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time [start, end), both aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - self.length, self.start)

    @classmethod
    def ending(cls, end: datetime, length: timedelta) -> Period:
        return cls(end - length, end)

    @classmethod
    def up_to(cls, now: datetime, length: timedelta) -> Period:
        """The `length` before `now`, `now` included (what "the last 7 days" means when
        asked): the end is one microsecond, the finest stored time step, after `now`."""
        end = now + RESOLUTION
        return cls(end - length, end)


WEEK = timedelta(days=7)


def weeks_ending(end: datetime, count: int, tz: tzinfo) -> list[Period]:
    """The `count` whole weeks before `end`, oldest first. Stepped back in wall-clock time:
    every edge keeps the same local hour across a change to or from summer time."""
    local_end = end.astimezone(tz)
    edges = [(local_end - WEEK * back).astimezone(UTC) for back in range(count, -1, -1)]
    return [Period(start, stop) for start, stop in itertools.pairwise(edges)]
